import { FeatureMatrix } from '../../../audio/audio.types.js';
import { applyMelFilter, kaldiMelFilterbank } from './mel-filterbank.js';
import { realFftFor } from '../../../audio/real-fft.js';
import { poveyWindow } from '../../../audio/window-functions.js';

/**
 * `torchaudio.compliance.kaldi.fbank(wave, num_mel_bins=80, dither=0, sample_frequency=16000)`,
 * the CAM++ speaker-embedding input of CosyVoice2: 25 ms frames every 10 ms with snip_edges
 * (frames = 1 + ⌊(N − 400) / 160⌋, none if N < 400), per-frame DC removal, pre-emphasis 0.97,
 * povey window, 512-point power spectrum, 80 Kaldi mel bins over 20–8000 Hz, natural log
 * floored at float32 epsilon. The waveform is used as is (not scaled by 32768).
 *
 * Output layout: `[frames, 80]` row-major (the `[1, T, 80]` CAM++ input without the batch axis).
 */

export const FBANK_MEL_BINS = 80;
const SAMPLE_RATE = 16000;
const FRAME_LENGTH = 400;
const FRAME_SHIFT = 160;
const FFT_SIZE = 512;
const PREEMPHASIS = 0.97;
const LOW_FREQ = 20;
const LOG_FLOOR = 1.1920928955078125e-7; // float32 epsilon

export function kaldiFbank(samples16k: Float32Array): FeatureMatrix {
  const frames =
    samples16k.length < FRAME_LENGTH
      ? 0
      : 1 + Math.floor((samples16k.length - FRAME_LENGTH) / FRAME_SHIFT);
  const data = new Float32Array(frames * FBANK_MEL_BINS);
  const fft = realFftFor(FFT_SIZE);
  const window = poveyWindow(FRAME_LENGTH);
  const filters = kaldiMelFilterbank(
    SAMPLE_RATE,
    FFT_SIZE,
    FBANK_MEL_BINS,
    LOW_FREQ,
    SAMPLE_RATE / 2,
  );
  const frame = new Float64Array(FFT_SIZE);
  const raw = new Float64Array(FRAME_LENGTH);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  const power = new Float64Array(fft.bins);
  for (let t = 0; t < frames; t++) {
    const offset = t * FRAME_SHIFT;
    let mean = 0;
    for (let i = 0; i < FRAME_LENGTH; i++) {
      raw[i] = samples16k[offset + i];
      mean += raw[i];
    }
    mean /= FRAME_LENGTH;
    for (let i = 0; i < FRAME_LENGTH; i++) raw[i] -= mean;
    for (let i = 0; i < FRAME_LENGTH; i++) {
      const previous = i === 0 ? raw[0] : raw[i - 1];
      frame[i] = (raw[i] - PREEMPHASIS * previous) * window[i];
    }
    frame.fill(0, FRAME_LENGTH);
    fft.forward(frame, re, im);
    for (let k = 0; k < fft.bins; k++) power[k] = re[k] * re[k] + im[k] * im[k];
    for (let m = 0; m < FBANK_MEL_BINS; m++) {
      const energy = applyMelFilter(filters[m], power);
      data[t * FBANK_MEL_BINS + m] = Math.log(Math.max(energy, LOG_FLOOR));
    }
  }
  return { data, frames };
}

/**
 * Per-utterance mean normalisation (`feat − feat.mean(dim=0)`): subtracts, for every bin, its
 * mean over all frames. Input and output layout `[frames, bins]`; returns a new matrix.
 */
export function subtractFrameMean(features: FeatureMatrix, bins = FBANK_MEL_BINS): FeatureMatrix {
  const { data, frames } = features;
  if (data.length !== frames * bins) {
    throw new RangeError(`feature matrix has ${data.length} values, expected ${frames} x ${bins}`);
  }
  const means = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bins; b++) means[b] += data[t * bins + b];
  }
  for (let b = 0; b < bins; b++) means[b] /= Math.max(1, frames);
  const out = new Float32Array(data.length);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bins; b++) out[t * bins + b] = data[t * bins + b] - means[b];
  }
  return { data: out, frames };
}
