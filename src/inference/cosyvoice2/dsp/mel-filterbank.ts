/**
 * Triangular mel filterbanks, stored sparsely (each filter keeps only its non-zero span of FFT
 * bins) and cached per parameter set.
 */

export interface MelFilter {
  /** First FFT bin with a non-zero weight. */
  start: number;
  weights: Float64Array;
}

const filterbankCache = new Map<string, MelFilter[]>();

function cached(key: string, build: () => MelFilter[]): MelFilter[] {
  let filters = filterbankCache.get(key);
  if (!filters) {
    filters = build();
    filterbankCache.set(key, filters);
  }
  return filters;
}

function toSparse(dense: Float64Array[]): MelFilter[] {
  return dense.map((row) => {
    let first = row.findIndex((weight) => weight !== 0);
    if (first < 0) first = 0;
    let last = row.length - 1;
    while (last > first && row[last] === 0) last--;
    return { start: first, weights: row.slice(first, last + 1) };
  });
}

/** Σ filter · spectrum for one filter over a spectrum of per-bin values. */
export function applyMelFilter(filter: MelFilter, spectrum: Float64Array): number {
  let sum = 0;
  const { start, weights } = filter;
  for (let i = 0; i < weights.length; i++) sum += weights[i] * spectrum[start + i];
  return sum;
}

const SLANEY_F_SP = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP;
const SLANEY_LOG_STEP = Math.log(6.4) / 27;

function hzToSlaneyMel(hz: number): number {
  return hz >= SLANEY_MIN_LOG_HZ
    ? SLANEY_MIN_LOG_MEL + Math.log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOG_STEP
    : hz / SLANEY_F_SP;
}

function slaneyMelToHz(mel: number): number {
  return mel >= SLANEY_MIN_LOG_MEL
    ? SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOG_STEP * (mel - SLANEY_MIN_LOG_MEL))
    : mel * SLANEY_F_SP;
}

/**
 * `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax)` with the Slaney mel scale and Slaney
 * area normalisation, computed as `torchaudio.functional.melscale_fbanks(..., norm='slaney',
 * mel_scale='slaney')` does. One filter per mel band over `n_fft/2 + 1` bins.
 */
export function slaneyMelFilterbank(
  sampleRate: number,
  nFft: number,
  nMels: number,
  fMin: number,
  fMax: number,
): MelFilter[] {
  return cached(`slaney:${sampleRate}:${nFft}:${nMels}:${fMin}:${fMax}`, () => {
    const bins = nFft / 2 + 1;
    const nyquist = Math.floor(sampleRate / 2);
    const binHz = Float64Array.from({ length: bins }, (_, i) => (nyquist * i) / (bins - 1));
    const melMin = hzToSlaneyMel(fMin);
    const melMax = hzToSlaneyMel(fMax);
    const edges = Float64Array.from({ length: nMels + 2 }, (_, i) =>
      slaneyMelToHz(melMin + ((melMax - melMin) * i) / (nMels + 1)),
    );
    const dense = Array.from({ length: nMels }, (_, m) => {
      const left = edges[m];
      const center = edges[m + 1];
      const right = edges[m + 2];
      const norm = 2 / (right - left);
      return Float64Array.from(binHz, (hz) => {
        const down = (hz - left) / (center - left);
        const up = (right - hz) / (right - center);
        return Math.max(0, Math.min(down, up)) * norm;
      });
    });
    return toSparse(dense);
  });
}

function kaldiMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

/**
 * Kaldi's mel banks (`torchaudio.compliance.kaldi.get_mel_banks`, no VTLN): `nMels` triangles
 * evenly spaced on the 1127·ln(1 + f/700) scale between `lowFreq` and `highFreq`, evaluated on
 * FFT bins 0..nFft/2 (the Nyquist bin always gets weight 0, as torch pads it).
 */
export function kaldiMelFilterbank(
  sampleRate: number,
  nFft: number,
  nMels: number,
  lowFreq: number,
  highFreq: number,
): MelFilter[] {
  return cached(`kaldi:${sampleRate}:${nFft}:${nMels}:${lowFreq}:${highFreq}`, () => {
    const fftBins = nFft / 2;
    const binWidth = sampleRate / nFft;
    const melLow = kaldiMel(lowFreq);
    const melDelta = (kaldiMel(highFreq) - melLow) / (nMels + 1);
    const dense = Array.from({ length: nMels }, (_, m) => {
      const left = melLow + m * melDelta;
      const center = melLow + (m + 1) * melDelta;
      const right = melLow + (m + 2) * melDelta;
      const row = new Float64Array(fftBins + 1);
      for (let bin = 0; bin < fftBins; bin++) {
        const mel = kaldiMel(binWidth * bin);
        const up = (mel - left) / (center - left);
        const down = (right - mel) / (right - center);
        row[bin] = Math.max(0, Math.min(up, down));
      }
      return row;
    });
    return toSparse(dense);
  });
}
