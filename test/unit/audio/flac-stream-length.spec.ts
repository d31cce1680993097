import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FlacStreamEncoder } from '../../../src/audio/flac.encoder.js';
import { withExactFlacLength } from '../../../src/audio/flac-stream-length.js';
import { ffmpegDecode, withTempFile } from './audio-test-helpers.js';

/** A noisy tone (so frames are long and hold 0xFF bytes) of `length` samples, in `chunk`s. */
async function flacStream(length: number, sampleRate: number, chunk = 1000): Promise<Buffer> {
  const encoder = await FlacStreamEncoder.create(sampleRate);
  const samples = Float32Array.from(
    { length },
    (_, i) => 0.5 * Math.sin(i / 7) + 0.4 * (((i * 7919) % 1000) / 1000 - 0.5),
  );
  const parts: Buffer[] = [];
  for (let at = 0; at < length; at += chunk)
    parts.push(encoder.push(samples.subarray(at, at + chunk)));
  parts.push(encoder.end());
  return Buffer.concat(parts);
}

/** STREAMINFO's total sample count as ffprobe reads it ("N/A" when 0 = unknown). */
function probedSamples(file: Buffer): string {
  return withTempFile('speech.flac', file, (path) =>
    execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=duration_ts', '-of', 'csv=p=0', path],
      { encoding: 'utf8' },
    ).trim(),
  );
}

describe('withExactFlacLength', () => {
  it.each([
    [1, 24000],
    [4095, 24000],
    [4096, 24000],
    [4097, 22050],
    [72_017, 24000],
    [480_005, 48000],
  ])(
    '%i samples at %i Hz: ffprobe reads that total, ffmpeg decodes that many',
    async (length, rate) => {
      const stream = await flacStream(length, rate);
      expect(probedSamples(stream)).toBe('N/A');
      const file = withExactFlacLength(stream);
      expect(probedSamples(file)).toBe(String(length));
      expect(file.length).toBe(stream.length);
      expect(withTempFile('speech.flac', file, ffmpegDecode)).toHaveLength(length);
    },
  );

  it('an empty synthesis: total 0 and nothing else changed', async () => {
    const stream = await flacStream(0, 24000);
    expect(withExactFlacLength(stream)).toEqual(stream);
  });

  it('refuses what is not a whole FlacStreamEncoder output', async () => {
    const stream = await flacStream(10_000, 24000);
    expect(() => withExactFlacLength(stream.subarray(0, stream.length - 1))).toThrow(
      'FLAC stream without a complete last frame',
    );
    expect(() => withExactFlacLength(Buffer.from('RIFF0000WAVE'))).toThrow(
      'not the output of FlacStreamEncoder',
    );
  });
});
