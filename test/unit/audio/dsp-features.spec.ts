import { describe, expect, it } from 'vitest';
import { hiftIstft } from '../../../src/inference/cosyvoice2/dsp/hift-istft.js';
import {
  kaldiFbank,
  subtractFrameMean,
} from '../../../src/inference/cosyvoice2/dsp/kaldi-fbank.js';
import { matchaMel } from '../../../src/inference/cosyvoice2/dsp/matcha-mel.js';
import { interpolateMelOverTime } from '../../../src/inference/cosyvoice2/dsp/mel-interpolation.js';
import { whisperLogMel } from '../../../src/inference/cosyvoice2/dsp/whisper-log-mel.js';
import { sine } from './audio-test-helpers.js';

/** Behaviour beyond the reference vectors: frame counts, layouts, edge cases. */
describe('frontend features', () => {
  it('frame counts follow the reference formulas for a 1 s prompt', () => {
    const audio16k = sine(200, 16000, 1);
    expect(kaldiFbank(audio16k).frames).toBe(1 + Math.floor((16000 - 400) / 160)); // 98
    expect(whisperLogMel(audio16k).frames).toBe(100);
    expect(matchaMel(sine(200, 24000, 1)).frames).toBe(50);
  });

  it('kaldiFbank gives no frames for less than 25 ms', () => {
    expect(kaldiFbank(new Float32Array(399))).toEqual({ data: new Float32Array(0), frames: 0 });
  });

  it('a 1 kHz tone peaks in the matching mel band of each layout', () => {
    const mel = matchaMel(sine(1000, 24000, 0.5)); // [frames, 80]
    const frame = mel.data.subarray(10 * 80, 11 * 80);
    const loudestMatchaBin = frame.indexOf(Math.max(...frame));
    const whisper = whisperLogMel(sine(1000, 16000, 0.5)); // [128, frames]
    const column = Float32Array.from(
      { length: 128 },
      (_, b) => whisper.data[b * whisper.frames + 10],
    );
    const loudestWhisperBin = column.indexOf(Math.max(...column));
    // Slaney scale: 1 kHz sits at 15 of ~45.2 mels over 0–8 kHz; bins are band centres
    expect(loudestMatchaBin).toBeGreaterThanOrEqual(25);
    expect(loudestMatchaBin).toBeLessThanOrEqual(27);
    expect(loudestWhisperBin).toBeGreaterThanOrEqual(41);
    expect(loudestWhisperBin).toBeLessThanOrEqual(43);
  });

  it('subtractFrameMean leaves every bin with zero mean over time', () => {
    const normalized = subtractFrameMean(kaldiFbank(sine(300, 16000, 0.5)));
    for (let b = 0; b < 80; b++) {
      let sum = 0;
      for (let t = 0; t < normalized.frames; t++) sum += normalized.data[t * 80 + b];
      expect(Math.abs(sum / normalized.frames)).toBeLessThan(1e-5);
    }
  });

  it('rejects signals too short for the reflect padding', () => {
    expect(() => whisperLogMel(new Float32Array(200))).toThrow(RangeError);
    expect(() => matchaMel(new Float32Array(720))).toThrow(RangeError);
  });
});

describe('hiftIstft', () => {
  /** The STFT of a constant 1 under a periodic Hann 16 window: DC 8, bin 1 = −4 (phase π). */
  function constantSignalSpectrum(frames: number, gain: number) {
    const magnitude = new Float32Array(9 * frames);
    const phase = new Float32Array(9 * frames);
    magnitude.fill(8 * gain, 0, frames);
    magnitude.fill(4 * gain, frames, 2 * frames);
    phase.fill(Math.PI, frames, 2 * frames);
    return { magnitude, phase };
  }

  it('reconstructs a constant signal from its STFT, 4·(frames − 1) samples long', () => {
    const { magnitude, phase } = constantSignalSpectrum(20, 1);
    const out = hiftIstft(magnitude, phase, 9, 20);
    expect(out.length).toBe(76);
    for (const value of out) expect(value).toBeCloseTo(1, 6);
  });

  it('clips magnitudes above 1e2 before the inverse transform', () => {
    const huge = constantSignalSpectrum(6, 1e6);
    const clipped = new Float32Array(huge.magnitude).map((value) => Math.min(value, 100));
    expect(Array.from(hiftIstft(huge.magnitude, huge.phase, 9, 6))).toEqual(
      Array.from(hiftIstft(clipped, huge.phase, 9, 6)),
    );
    expect(Math.max(...hiftIstft(huge.magnitude, huge.phase, 9, 6))).toBeLessThan(100);
  });
});

describe('interpolateMelOverTime', () => {
  it('keeps the length for speed 1 and halves it for speed 2 (average of neighbours)', () => {
    const mel = Float32Array.from([0, 1, 2, 3, 10, 20, 30, 40]); // [2 bins, 4 frames]
    expect(Array.from(interpolateMelOverTime(mel, 2, 4, 4))).toEqual(Array.from(mel));
    expect(Array.from(interpolateMelOverTime(mel, 2, 4, 2))).toEqual([0.5, 2.5, 15, 35]);
  });
});
