import { describe, expect, it } from 'vitest';
import { applyVolume } from '../../../src/audio/audio-gain.js';
import { encodeWav } from '../../../src/audio/wav.encoder.js';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
import { peak, rms } from '../../support/signal-measures.js';
import { sine } from './audio-test-helpers.js';

describe('applyVolume', () => {
  it('scales the level by the gain (0.5 halves the RMS)', () => {
    const tone = sine(440, 24000, 0.5, 0.6);
    expect(rms(applyVolume(tone, 0.5))).toBeCloseTo(rms(tone) / 2, 6);
  });

  it('clips at full scale instead of wrapping around (gain 3 on a 0.5 tone)', async () => {
    const tone = sine(440, 24000, 0.5, 0.5);
    const loud = applyVolume(tone, 3);
    expect(peak(loud)).toBe(1);
    // every sample keeps its sign: wrap-around would flip loud peaks
    tone.forEach((value, i) => expect(Math.sign(loud[i])).toBe(Math.sign(value)));
    const decoded = await decodeAudio(encodeWav({ samples: loud, sampleRate: 24000 }));
    expect(Math.max(...decoded.samples)).toBeCloseTo(32767 / 32768, 6);
    expect(Math.min(...decoded.samples)).toBe(-1);
  });

  it('leaves the input untouched and rejects a negative or non-finite gain', () => {
    const tone = Float32Array.from([0.25, -0.5]);
    expect(Array.from(applyVolume(tone, 1))).toEqual([0.25, -0.5]);
    applyVolume(tone, 2);
    expect(Array.from(tone)).toEqual([0.25, -0.5]);
    expect(() => applyVolume(tone, -1)).toThrow(RangeError);
    expect(() => applyVolume(tone, Number.NaN)).toThrow(RangeError);
  });
});
