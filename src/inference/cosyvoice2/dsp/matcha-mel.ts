import { FeatureMatrix } from '../../../audio/audio.types.js';
import { applyMelFilter, slaneyMelFilterbank } from './mel-filterbank.js';
import { realFftFor } from '../../../audio/real-fft.js';
import { reflectPad } from './reflect-pad.js';
import { periodicHannWindow } from '../../../audio/window-functions.js';

/**
 * `matcha.utils.audio.mel_spectrogram` with CosyVoice2's settings, the flow prompt feature:
 * 24 kHz input, reflect pad 720 on both sides, STFT n_fft 1920 / hop 480 / periodic Hann 1920
 * with center=False (frames = ⌊N / 480⌋), magnitude √(re² + im² + 1e-9), 80 Slaney mel filters
 * over 0–8000 Hz, natural log floored at 1e-5.
 *
 * Output layout: `[frames, 80]` row-major — the `prompt_feat` `[1, T, 80]` layout (and the
 * `promptMel` layout of the inference contract). The reference vectors and the flow's
 * `[1, 80, T]` inputs are the transpose. Needs more than 720 samples (30 ms).
 */

export const MATCHA_MEL_BINS = 80;
const SAMPLE_RATE = 24000;
const N_FFT = 1920;
const HOP = 480;
const F_MAX = 8000;

export function matchaMel(samples24k: Float32Array): FeatureMatrix {
  const padded = reflectPad(samples24k, (N_FFT - HOP) / 2);
  const frames = 1 + Math.floor((padded.length - N_FFT) / HOP);
  const fft = realFftFor(N_FFT);
  const window = periodicHannWindow(N_FFT);
  const filters = slaneyMelFilterbank(SAMPLE_RATE, N_FFT, MATCHA_MEL_BINS, 0, F_MAX);
  const frame = new Float64Array(N_FFT);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  const magnitude = new Float64Array(fft.bins);
  const data = new Float32Array(frames * MATCHA_MEL_BINS);
  for (let t = 0; t < frames; t++) {
    const offset = t * HOP;
    for (let i = 0; i < N_FFT; i++) frame[i] = padded[offset + i] * window[i];
    fft.forward(frame, re, im);
    for (let k = 0; k < fft.bins; k++)
      magnitude[k] = Math.sqrt(re[k] * re[k] + im[k] * im[k] + 1e-9);
    for (let m = 0; m < MATCHA_MEL_BINS; m++) {
      data[t * MATCHA_MEL_BINS + m] = Math.log(
        Math.max(applyMelFilter(filters[m], magnitude), 1e-5),
      );
    }
  }
  return { data, frames };
}
