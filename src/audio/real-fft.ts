/**
 * Mixed-radix FFT for the frame sizes the CosyVoice2 frontend needs: 400 (Whisper), 512 (Kaldi
 * fbank) and 1920 (Matcha mel) are not all powers of two, and zero-padding would change the
 * features, so a power-of-two-only library does not fit. A real n-point transform runs as an
 * n/2-point complex FFT (recursive decimation in time, radix 4/2/3/5 butterflies and a generic
 * one for other prime factors) plus the usual split step. Plans are cached per size.
 */

const SQRT3_HALF = Math.sqrt(3) / 2;
const C1 = Math.cos((2 * Math.PI) / 5);
const C2 = Math.cos((4 * Math.PI) / 5);
const S1 = Math.sin((2 * Math.PI) / 5);
const S2 = Math.sin((4 * Math.PI) / 5);

function factorize(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  for (const radix of [4, 2, 3, 5]) {
    while (rest % radix === 0) {
      factors.push(radix);
      rest /= radix;
    }
  }
  for (let p = 7; rest > 1; p += 2) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  return factors;
}

/** Forward complex DFT `X[k] = Σ x[j]·exp(−2πi·jk/n)`, out-of-place. */
class ComplexFft {
  private readonly factors: number[];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly tempRe: Float64Array;
  private readonly tempIm: Float64Array;
  private inRe: Float64Array = new Float64Array(0);
  private inIm: Float64Array = new Float64Array(0);
  private outRe: Float64Array = new Float64Array(0);
  private outIm: Float64Array = new Float64Array(0);

  constructor(readonly size: number) {
    this.factors = factorize(size);
    this.cos = new Float64Array(size);
    this.sin = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    const largest = Math.max(2, ...this.factors);
    this.tempRe = new Float64Array(largest);
    this.tempIm = new Float64Array(largest);
  }

  transform(
    inRe: Float64Array,
    inIm: Float64Array,
    outRe: Float64Array,
    outIm: Float64Array,
  ): void {
    this.inRe = inRe;
    this.inIm = inIm;
    this.outRe = outRe;
    this.outIm = outIm;
    if (this.size === 1) {
      outRe[0] = inRe[0];
      outIm[0] = inIm[0];
      return;
    }
    this.pass(0, this.size, 0, 1, 0);
  }

  /** DFT of `size` inputs `in[inOffset + j·stride]`, written to `out[outOffset .. + size)`. */
  private pass(
    level: number,
    size: number,
    inOffset: number,
    stride: number,
    outOffset: number,
  ): void {
    const radix = this.factors[level];
    const m = size / radix;
    if (m === 1) {
      for (let r = 0; r < radix; r++) {
        this.outRe[outOffset + r] = this.inRe[inOffset + r * stride];
        this.outIm[outOffset + r] = this.inIm[inOffset + r * stride];
      }
    } else {
      for (let r = 0; r < radix; r++) {
        this.pass(level + 1, m, inOffset + r * stride, stride * radix, outOffset + r * m);
      }
    }
    const twiddleStep = this.size / size;
    for (let k = 0; k < m; k++) {
      this.butterfly(radix, outOffset + k, m, k * twiddleStep);
    }
  }

  /**
   * Combines element `k` of the `radix` sub-transforms (at `base + r·m`) in place: twiddle by
   * W^(r·k) then a radix-point DFT whose output q lands at `base + q·m`.
   */
  private butterfly(radix: number, base: number, m: number, twiddle: number): void {
    const re = this.outRe;
    const im = this.outIm;
    const tr = this.tempRe;
    const ti = this.tempIm;
    tr[0] = re[base];
    ti[0] = im[base];
    if (twiddle === 0) {
      for (let r = 1; r < radix; r++) {
        tr[r] = re[base + r * m];
        ti[r] = im[base + r * m];
      }
    } else {
      for (let r = 1; r < radix; r++) {
        const index = base + r * m;
        const w = r * twiddle;
        const wr = this.cos[w];
        const wi = this.sin[w];
        tr[r] = re[index] * wr - im[index] * wi;
        ti[r] = re[index] * wi + im[index] * wr;
      }
    }
    switch (radix) {
      case 2:
        re[base] = tr[0] + tr[1];
        im[base] = ti[0] + ti[1];
        re[base + m] = tr[0] - tr[1];
        im[base + m] = ti[0] - ti[1];
        return;
      case 4: {
        const ar = tr[0] + tr[2];
        const ai = ti[0] + ti[2];
        const br = tr[0] - tr[2];
        const bi = ti[0] - ti[2];
        const cr = tr[1] + tr[3];
        const ci = ti[1] + ti[3];
        const dr = tr[1] - tr[3];
        const di = ti[1] - ti[3];
        re[base] = ar + cr;
        im[base] = ai + ci;
        re[base + m] = br + di; // b − i·d
        im[base + m] = bi - dr;
        re[base + 2 * m] = ar - cr;
        im[base + 2 * m] = ai - ci;
        re[base + 3 * m] = br - di; // b + i·d
        im[base + 3 * m] = bi + dr;
        return;
      }
      case 3: {
        const sr = tr[1] + tr[2];
        const si = ti[1] + ti[2];
        const dr = (tr[1] - tr[2]) * SQRT3_HALF;
        const di = (ti[1] - ti[2]) * SQRT3_HALF;
        const mr = tr[0] - sr / 2;
        const mi = ti[0] - si / 2;
        re[base] = tr[0] + sr;
        im[base] = ti[0] + si;
        re[base + m] = mr + di; // m − i·d
        im[base + m] = mi - dr;
        re[base + 2 * m] = mr - di; // m + i·d
        im[base + 2 * m] = mi + dr;
        return;
      }
      case 5: {
        const a1r = tr[1] + tr[4];
        const a1i = ti[1] + ti[4];
        const b1r = tr[1] - tr[4];
        const b1i = ti[1] - ti[4];
        const a2r = tr[2] + tr[3];
        const a2i = ti[2] + ti[3];
        const b2r = tr[2] - tr[3];
        const b2i = ti[2] - ti[3];
        const p1r = tr[0] + C1 * a1r + C2 * a2r;
        const p1i = ti[0] + C1 * a1i + C2 * a2i;
        const q1r = S1 * b1r + S2 * b2r;
        const q1i = S1 * b1i + S2 * b2i;
        const p2r = tr[0] + C2 * a1r + C1 * a2r;
        const p2i = ti[0] + C2 * a1i + C1 * a2i;
        const q2r = S2 * b1r - S1 * b2r;
        const q2i = S2 * b1i - S1 * b2i;
        re[base] = tr[0] + a1r + a2r;
        im[base] = ti[0] + a1i + a2i;
        re[base + m] = p1r + q1i; // p1 − i·q1
        im[base + m] = p1i - q1r;
        re[base + 4 * m] = p1r - q1i; // p1 + i·q1
        im[base + 4 * m] = p1i + q1r;
        re[base + 2 * m] = p2r + q2i; // p2 − i·q2
        im[base + 2 * m] = p2i - q2r;
        re[base + 3 * m] = p2r - q2i; // p2 + i·q2
        im[base + 3 * m] = p2i + q2r;
        return;
      }
      default:
        this.genericButterfly(radix, base, m);
    }
  }

  private genericButterfly(radix: number, base: number, m: number): void {
    const step = this.size / radix;
    for (let q = 0; q < radix; q++) {
      let sumRe = 0;
      let sumIm = 0;
      for (let r = 0; r < radix; r++) {
        const w = ((r * q) % radix) * step;
        sumRe += this.tempRe[r] * this.cos[w] - this.tempIm[r] * this.sin[w];
        sumIm += this.tempRe[r] * this.sin[w] + this.tempIm[r] * this.cos[w];
      }
      this.outRe[base + q * m] = sumRe;
      this.outIm[base + q * m] = sumIm;
    }
  }
}

/** One-sided DFT of a real frame of even length `size`: bins 0..size/2. */
export class RealFft {
  readonly bins: number;
  private readonly half: ComplexFft;
  private readonly packedRe: Float64Array;
  private readonly packedIm: Float64Array;
  private readonly spectrumRe: Float64Array;
  private readonly spectrumIm: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) {
      throw new RangeError(`RealFft size must be an even integer >= 2, got ${size}`);
    }
    const half = size / 2;
    this.bins = half + 1;
    this.half = new ComplexFft(half);
    this.packedRe = new Float64Array(half);
    this.packedIm = new Float64Array(half);
    this.spectrumRe = new Float64Array(half);
    this.spectrumIm = new Float64Array(half);
    this.cos = new Float64Array(half + 1);
    this.sin = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** `frame` has `size` samples; `outRe`/`outIm` receive `bins` values. */
  forward(frame: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const half = this.size / 2;
    for (let j = 0; j < half; j++) {
      this.packedRe[j] = frame[2 * j];
      this.packedIm[j] = frame[2 * j + 1];
    }
    this.half.transform(this.packedRe, this.packedIm, this.spectrumRe, this.spectrumIm);
    const zr = this.spectrumRe;
    const zi = this.spectrumIm;
    outRe[0] = zr[0] + zi[0];
    outIm[0] = 0;
    outRe[half] = zr[0] - zi[0];
    outIm[half] = 0;
    for (let k = 1; k < half; k++) {
      const mirror = half - k;
      // even part E = (Z[k] + conj Z[h−k]) / 2, odd part O = (Z[k] − conj Z[h−k]) / 2i
      const er = (zr[k] + zr[mirror]) / 2;
      const ei = (zi[k] - zi[mirror]) / 2;
      const or = (zi[k] + zi[mirror]) / 2;
      const oi = -(zr[k] - zr[mirror]) / 2;
      outRe[k] = er + or * this.cos[k] - oi * this.sin[k];
      outIm[k] = ei + or * this.sin[k] + oi * this.cos[k];
    }
  }
}

const realFftCache = new Map<number, RealFft>();

/** The shared plan for real frames of `size` samples (not re-entrant across async code). */
export function realFftFor(size: number): RealFft {
  let fft = realFftCache.get(size);
  if (!fft) {
    fft = new RealFft(size);
    realFftCache.set(size, fft);
  }
  return fft;
}
