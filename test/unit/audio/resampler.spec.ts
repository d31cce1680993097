import { describe, expect, it } from 'vitest';
import { resample, StreamingResampler } from '../../../src/audio/resampler.js';
import { concatFloat32, rms } from '../../support/signal-measures.js';
import { sine } from './audio-test-helpers.js';

/** Deterministic noise + tone test signal. */
function testSignal(sampleRate: number, seconds: number): Float32Array {
  let seed = 12345;
  const tone = sine(330, sampleRate, seconds, 0.4);
  return tone.map((value) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return value + 0.05 * (seed / 2147483648 - 0.5);
  });
}

/** Pushes `signal` in chunks of pseudo-random sizes 1..maxChunk and returns all output. */
function resampleInChunks(
  signal: Float32Array,
  fromRate: number,
  toRate: number,
  maxChunk: number,
): Float32Array {
  const resampler = new StreamingResampler(fromRate, toRate);
  const parts: Float32Array[] = [];
  let offset = 0;
  let state = 7;
  while (offset < signal.length) {
    state = (state * 48271) % 2147483647;
    const size = 1 + (state % maxChunk);
    parts.push(resampler.push(signal.subarray(offset, offset + size)));
    offset += size;
  }
  parts.push(resampler.flush());
  return concatFloat32(parts);
}

describe('resample', () => {
  it('returns ceil(N · to / from) samples, like torchaudio', () => {
    const signal = testSignal(22050, 0.3); // 6615 samples
    expect(resample(signal, 22050, 16000).length).toBe(Math.ceil((6615 * 320) / 441));
    expect(resample(signal, 22050, 24000).length).toBe(Math.ceil((6615 * 160) / 147));
    expect(resample(signal, 22050, 22050)).toEqual(signal);
  });

  it('keeps an in-band tone at its level and removes a tone above the new Nyquist', () => {
    const inBand = resample(sine(1000, 48000, 1, 0.5), 48000, 16000);
    expect(rms(inBand, 800, 15200)).toBeCloseTo(0.5 / Math.SQRT2, 3);
    const aliased = resample(sine(10000, 48000, 1, 0.5), 48000, 16000);
    // 10 kHz is 2 kHz above the 7.92 kHz cutoff: attenuated by more than 40 dB
    expect(rms(aliased, 800, 15200)).toBeLessThan((0.5 / Math.SQRT2) * 0.01);
  });

  it('rejects non-integer or non-positive rates', () => {
    expect(() => resample(new Float32Array(10), 16000.5, 24000)).toThrow(RangeError);
    expect(() => new StreamingResampler(0, 24000)).toThrow(RangeError);
  });
});

describe('StreamingResampler', () => {
  const pairs: [number, number][] = [
    [24000, 16000],
    [24000, 44100],
    [24000, 22050],
    [22050, 16000],
    [16000, 24000],
    [24000, 48000],
    [24000, 24000],
  ];
  for (const [from, to] of pairs) {
    for (const maxChunk of [1, 37, 4800]) {
      it(`${from} → ${to} Hz in chunks of up to ${maxChunk} equals whole-signal resampling`, () => {
        const signal = testSignal(from, maxChunk === 1 ? 0.05 : 0.7);
        const whole = resample(signal, from, to);
        const streamed = resampleInChunks(signal, from, to, maxChunk);
        expect(streamed.length).toBe(whole.length);
        let worst = 0;
        for (let i = 0; i < whole.length; i++)
          worst = Math.max(worst, Math.abs(streamed[i] - whole[i]));
        expect(worst).toBeLessThanOrEqual(1e-6);
      });
    }
  }

  it('emits output while input arrives (latency of a few milliseconds, not the whole signal)', () => {
    const resampler = new StreamingResampler(24000, 16000);
    const first = resampler.push(testSignal(24000, 0.1));
    // 0.1 s in → nearly 1600 samples out; the filter holds back about 10 input samples
    expect(first.length).toBeGreaterThan(1580);
  });

  it('refuses to be used after flush', () => {
    const resampler = new StreamingResampler(24000, 16000);
    resampler.flush();
    expect(() => resampler.push(new Float32Array(10))).toThrow(/after flush/);
  });
});
