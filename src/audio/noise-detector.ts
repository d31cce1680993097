import { realFftFor } from './real-fft.js';
import { periodicHannWindow } from './window-functions.js';

/** Statistics that tell white noise (random bytes read as samples) from speech. */
export interface NoiseStatistics {
  /**
   * Mean spectral flatness of the frames that carry sound (geometric over arithmetic mean of the
   * power spectrum, 0–1): about 0.56 for white noise, well under 0.3 for speech.
   */
  spectralFlatness: number;
  /** Correlation of each sample with the next (-1–1): near 0 for white noise, high for speech. */
  lag1Correlation: number;
}

const FRAME = 512;
/** Frames quieter than this RMS are silence and say nothing about the signal. */
const SILENT_RMS = 1e-3;
const NOISE_MIN_FLATNESS = 0.4;
const NOISE_MAX_CORRELATION = 0.2;

export function noiseStatistics(samples: Float32Array): NoiseStatistics {
  let energy = 0;
  let lagged = 0;
  for (let i = 0; i < samples.length; i++) {
    energy += samples[i] * samples[i];
    if (i > 0) lagged += samples[i] * samples[i - 1];
  }
  return {
    spectralFlatness: meanSpectralFlatness(samples),
    lag1Correlation: energy > 0 ? lagged / energy : 0,
  };
}

/**
 * True when the samples are plainly white noise rather than sound anyone recorded: a flat
 * spectrum and no correlation between neighbouring samples, as when random or encrypted bytes,
 * or samples of the wrong byte order, are read as 16-bit PCM. A pure tone, silence, or any
 * recording with a voice in it is far from both thresholds.
 */
export function isWhiteNoise(statistics: NoiseStatistics): boolean {
  return (
    statistics.spectralFlatness > NOISE_MIN_FLATNESS &&
    Math.abs(statistics.lag1Correlation) < NOISE_MAX_CORRELATION
  );
}

/** Below this RMS (−60 dBFS) of its varying part, audio holds no sound. */
const SILENT_SIGNAL_RMS = 1e-3;
/** A square wave keeps nearly all its samples near its two extreme levels; speech does not. */
const SQUARE_EXTREME_LEVEL = 0.75;
const SQUARE_MIN_EXTREME_SHARE = 0.8;

/** Why audio cannot be a reference voice although it decodes: no sound, or not speech-like. */
export type SoundProblem =
  | { kind: 'silent'; rms: number }
  | { kind: 'dc'; level: number }
  | { kind: 'square_wave'; extremeShare: number };

/**
 * What makes `samples` plainly not a recording of speech, or undefined: silence (the signal's
 * RMS, its DC level left out, below −60 dBFS), a constant DC level, or a square wave (over 80 %
 * of the samples at 75 % or more of the peak distance from the DC level: a pure tone has about
 * 46 %, speech a few %). Sines and other tones are not judged here.
 */
export function soundProblem(samples: Float32Array): SoundProblem | undefined {
  if (samples.length === 0) {
    return { kind: 'silent', rms: 0 };
  }
  let sum = 0;
  for (const value of samples) sum += value;
  const level = sum / samples.length;
  let energy = 0;
  let peak = 0;
  for (const value of samples) {
    const varying = value - level;
    energy += varying * varying;
    peak = Math.max(peak, Math.abs(varying));
  }
  const rms = Math.sqrt(energy / samples.length);
  if (rms < SILENT_SIGNAL_RMS) {
    return Math.abs(level) >= SILENT_SIGNAL_RMS ? { kind: 'dc', level } : { kind: 'silent', rms };
  }
  let extreme = 0;
  for (const value of samples) {
    if (Math.abs(value - level) >= SQUARE_EXTREME_LEVEL * peak) extreme++;
  }
  const extremeShare = extreme / samples.length;
  return extremeShare > SQUARE_MIN_EXTREME_SHARE
    ? { kind: 'square_wave', extremeShare }
    : undefined;
}

function meanSpectralFlatness(samples: Float32Array): number {
  const fft = realFftFor(FRAME);
  const window = periodicHannWindow(FRAME);
  const frame = new Float64Array(FRAME);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  let sum = 0;
  let frames = 0;
  for (let start = 0; start + FRAME <= samples.length; start += FRAME) {
    let energy = 0;
    for (let i = 0; i < FRAME; i++) {
      const value = samples[start + i];
      energy += value * value;
      frame[i] = value * window[i];
    }
    if (Math.sqrt(energy / FRAME) < SILENT_RMS) continue;
    fft.forward(frame, re, im);
    let logSum = 0;
    let powerSum = 0;
    for (let k = 1; k < fft.bins - 1; k++) {
      const power = re[k] * re[k] + im[k] * im[k] + 1e-20;
      logSum += Math.log(power);
      powerSum += power;
    }
    const bins = fft.bins - 2;
    sum += Math.exp(logSum / bins) / (powerSum / bins);
    frames++;
  }
  return frames > 0 ? sum / frames : 0;
}
