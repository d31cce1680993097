import { periodicHannWindow } from '../../../audio/window-functions.js';

/**
 * The inverse STFT at the end of the HiFT vocoder (CosyVoice2 `HiFTGenerator._istft`):
 * magnitude clipped at 1e2, spectrum = magnitude·cos(phase) + i·magnitude·sin(phase), then
 * `torch.istft(n_fft=16, hop_length=4, win_length=16, window=periodic Hann, center=True)`:
 * per-frame inverse real DFT (the imaginary parts of the DC and Nyquist bins are ignored, as a
 * C2R transform does), windowed overlap-add, division by the overlapped squared window, and
 * the centre padding (8 samples at each end) removed.
 *
 * `magnitude` and `phase` are `[bins, frames]` row-major with bins = 9, i.e. what the network
 * produces after its `exp` and `sin` (`magnitude = exp(x[:9])`, `phase = sin(x[9:])`).
 * Returns 4·(frames − 1) samples. The vocoder's final clamp to ±0.99 is the caller's.
 */

export const HIFT_N_FFT = 16;
export const HIFT_HOP = 4;
const BINS = HIFT_N_FFT / 2 + 1;
const MAX_MAGNITUDE = 1e2;

const inverseCos = Float64Array.from({ length: BINS * HIFT_N_FFT }, (_, i) =>
  Math.cos((2 * Math.PI * Math.floor(i / HIFT_N_FFT) * (i % HIFT_N_FFT)) / HIFT_N_FFT),
);
const inverseSin = Float64Array.from({ length: BINS * HIFT_N_FFT }, (_, i) =>
  Math.sin((2 * Math.PI * Math.floor(i / HIFT_N_FFT) * (i % HIFT_N_FFT)) / HIFT_N_FFT),
);

export function hiftIstft(
  magnitude: Float32Array,
  phase: Float32Array,
  bins: number,
  frames: number,
): Float32Array {
  if (bins !== BINS) throw new RangeError(`HiFT iSTFT expects ${BINS} bins, got ${bins}`);
  if (magnitude.length !== bins * frames || phase.length !== bins * frames) {
    throw new RangeError(`magnitude and phase must both hold ${bins} x ${frames} values`);
  }
  if (frames < 1) return new Float32Array(0);
  const window = periodicHannWindow(HIFT_N_FFT);
  const total = HIFT_N_FFT + HIFT_HOP * (frames - 1);
  const signal = new Float64Array(total);
  const envelope = new Float64Array(total);
  const re = new Float64Array(BINS);
  const im = new Float64Array(BINS);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < BINS; k++) {
      const mag = Math.min(magnitude[k * frames + t], MAX_MAGNITUDE);
      const angle = phase[k * frames + t];
      re[k] = mag * Math.cos(angle);
      im[k] = mag * Math.sin(angle);
    }
    const offset = t * HIFT_HOP;
    for (let n = 0; n < HIFT_N_FFT; n++) {
      // x[n] = (X0 + (−1)^n·X8 + 2·Σ_{k=1..7} Re(Xk·e^{2πikn/16})) / 16
      let sum = re[0] + (n % 2 === 0 ? re[BINS - 1] : -re[BINS - 1]);
      for (let k = 1; k < BINS - 1; k++) {
        const index = k * HIFT_N_FFT + n;
        sum += 2 * (re[k] * inverseCos[index] - im[k] * inverseSin[index]);
      }
      signal[offset + n] += (sum / HIFT_N_FFT) * window[n];
      envelope[offset + n] += window[n] * window[n];
    }
  }
  const start = HIFT_N_FFT / 2;
  const out = new Float32Array(HIFT_HOP * (frames - 1));
  for (let i = 0; i < out.length; i++) out[i] = signal[start + i] / envelope[start + i];
  return out;
}
