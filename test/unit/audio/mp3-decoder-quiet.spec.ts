import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeMp3 } from '../../../src/audio/mp3.decoder.js';
import { makeMp3, speechLikeSamples } from '../../support/reference-audio-fixtures.js';

describe('decodeMp3 on damaged frames', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps libmpg123 frame errors off the console (the decode result carries them)', async () => {
    const garbage = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7919) % 251));
    const mp3 = Buffer.concat([
      makeMp3(speechLikeSamples(2, 22050), 22050).subarray(0, 1500),
      garbage,
    ]);
    const error = vi.spyOn(console, 'error');
    await decodeMp3(mp3).catch(() => undefined);
    expect(error.mock.calls.map((call) => String(call[0]))).not.toContainEqual(
      expect.stringMatching(/^mpg123-decoder: /),
    );
    const other = 'an unrelated console.error line';
    console.error(other);
    expect(error).toHaveBeenLastCalledWith(other);
  });
});
