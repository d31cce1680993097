import { FeatureMatrix } from '../../../audio/audio.types.js';
import { applyMelFilter, slaneyMelFilterbank } from './mel-filterbank.js';
import { realFftFor } from '../../../audio/real-fft.js';
import { reflectPad } from './reflect-pad.js';
import { periodicHannWindow } from '../../../audio/window-functions.js';

/**
 * `whisper.log_mel_spectrogram(audio16k, n_mels=128)` (openai-whisper 20231117, no 30 s padding),
 * the speech_tokenizer_v2 input: centred STFT (reflect pad 200, n_fft 400, hop 160, periodic
 * Hann), last frame dropped (frames = ⌊N / 160⌋), power spectrum, 128 Slaney mel filters,
 * log10 floored at 1e-10, clamped to (global max − 8), then (x + 4) / 4.
 *
 * Output layout: `[128, frames]` row-major (the `[1, 128, T]` tokenizer input without the batch
 * axis). Needs more than 200 samples (12.5 ms).
 */

export const WHISPER_MEL_BINS = 128;
const SAMPLE_RATE = 16000;
const N_FFT = 400;
const HOP = 160;

export function whisperLogMel(samples16k: Float32Array): FeatureMatrix {
  const padded = reflectPad(samples16k, N_FFT / 2);
  const frames = Math.floor(samples16k.length / HOP);
  const fft = realFftFor(N_FFT);
  const window = periodicHannWindow(N_FFT);
  const filters = slaneyMelFilterbank(SAMPLE_RATE, N_FFT, WHISPER_MEL_BINS, 0, SAMPLE_RATE / 2);
  const frame = new Float64Array(N_FFT);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  const power = new Float64Array(fft.bins);
  const logMel = new Float64Array(WHISPER_MEL_BINS * frames);
  let globalMax = -Infinity;
  for (let t = 0; t < frames; t++) {
    const offset = t * HOP;
    for (let i = 0; i < N_FFT; i++) frame[i] = padded[offset + i] * window[i];
    fft.forward(frame, re, im);
    for (let k = 0; k < fft.bins; k++) power[k] = re[k] * re[k] + im[k] * im[k];
    for (let m = 0; m < WHISPER_MEL_BINS; m++) {
      const value = Math.log10(Math.max(applyMelFilter(filters[m], power), 1e-10));
      logMel[m * frames + t] = value;
      if (value > globalMax) globalMax = value;
    }
  }
  const data = new Float32Array(logMel.length);
  const floor = globalMax - 8;
  for (let i = 0; i < logMel.length; i++) data[i] = (Math.max(logMel[i], floor) + 4) / 4;
  return { data, frames };
}
