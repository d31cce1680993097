/**
 * Windowed-sinc resampling identical to `torchaudio.functional.resample` with its defaults
 * (`sinc_interp_hann`, `lowpass_filter_width` 6, `rolloff` 0.99), which is also what
 * `torchaudio.transforms.Resample` does:
 *
 * - rates are reduced by their gcd to `orig`/`new`; `base = min(orig, new) · 0.99`;
 * - `width = ceil(6 · orig / base)`; phase `k` (0 ≤ k < new) of output frame `j` is
 *   `Σ_i kernel[k][i] · x[j·orig − width + i]`, i in [0, 2·width + orig), x = 0 outside the signal;
 * - `kernel[k][i] = sinc(π·t) · cos²(π·t / 12) · base / orig` with
 *   `t = clamp((i − width)/orig − k/new, ±6/base) · base`;
 * - the output has `ceil(new · length / orig)` samples; equal rates return a copy of the input.
 *
 * Taps whose `t` is clamped are zero up to ~1e-33 (torch keeps them), so they are left out: each
 * phase stores only its non-zero span. Like torch, `k/new` is rounded to float32 and the taps are
 * stored as float32; sums are accumulated in float64. Result: within 2e-7 of torchaudio.
 */

const LOWPASS_FILTER_WIDTH = 6;
const ROLLOFF = 0.99;

interface ResamplePhase {
  /** Index of the first stored tap inside the full kernel row. */
  offset: number;
  taps: Float64Array;
}

interface ResampleKernel {
  orig: number;
  new: number;
  width: number;
  phases: ResamplePhase[];
  /** Smallest `offset` over all phases (how far back future outputs may still read). */
  minOffset: number;
}

const kernelCache = new Map<string, ResampleKernel>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function assertRate(rate: number, name: string): void {
  if (!Number.isInteger(rate) || rate <= 0) {
    throw new RangeError(`${name} must be a positive integer sample rate, got ${rate}`);
  }
}

function buildKernel(fromRate: number, toRate: number): ResampleKernel {
  const divisor = gcd(fromRate, toRate);
  const orig = fromRate / divisor;
  const next = toRate / divisor;
  const base = Math.min(orig, next) * ROLLOFF;
  const width = Math.ceil((LOWPASS_FILTER_WIDTH * orig) / base);
  const rowLength = 2 * width + orig;
  const scale = base / orig;
  const phases: ResamplePhase[] = [];
  let minOffset = Infinity;
  for (let k = 0; k < next; k++) {
    // only taps with |t| < 6 are non-zero: solve for their index range instead of scanning
    // the whole row (rows are long for rates with a small gcd, e.g. 11025 → 16000)
    const center = width + (orig * k) / next;
    const reach = (orig * LOWPASS_FILTER_WIDTH) / base;
    const lowest = Math.max(0, Math.ceil(center - reach));
    const highest = Math.min(rowLength - 1, Math.floor(center + reach));
    const taps: number[] = [];
    let offset = -1;
    for (let i = lowest; i <= highest; i++) {
      // torch computes the phase offset −k/new in float32 (int tensor / int), the rest in float64
      const t = (Math.fround(-k / next) + (i - width) / orig) * base;
      if (t <= -LOWPASS_FILTER_WIDTH || t >= LOWPASS_FILTER_WIDTH) continue;
      const window = Math.cos((t * Math.PI) / LOWPASS_FILTER_WIDTH / 2) ** 2;
      const x = t * Math.PI;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      if (offset < 0) offset = i;
      // torch builds the kernel in float64 and stores it as float32
      taps[i - offset] = Math.fround(sinc * window * scale);
    }
    offset = Math.max(offset, 0);
    phases.push({ offset, taps: Float64Array.from(taps) });
    minOffset = Math.min(minOffset, offset);
  }
  return { orig, new: next, width, phases, minOffset };
}

function kernelFor(fromRate: number, toRate: number): ResampleKernel {
  const key = `${fromRate}:${toRate}`;
  let kernel = kernelCache.get(key);
  if (!kernel) {
    kernel = buildKernel(fromRate, toRate);
    kernelCache.set(key, kernel);
  }
  return kernel;
}

/** Number of output samples for `inputLength` input samples (torch: ceil(new · length / orig)). */
function outputLength(kernel: ResampleKernel, inputLength: number): number {
  return Math.ceil((kernel.new * inputLength) / kernel.orig);
}

/** Absolute input index read by the first stored tap of output sample `n`. */
function inputStart(kernel: ResampleKernel, n: number): number {
  const frame = Math.floor(n / kernel.new);
  return frame * kernel.orig - kernel.width + kernel.phases[n % kernel.new].offset;
}

/**
 * Output sample `n`. `input[0]` holds absolute sample `inputOffset`; samples at or beyond
 * `signalEnd` (absolute) and before 0 are zero.
 */
function outputSample(
  kernel: ResampleKernel,
  input: Float32Array,
  inputOffset: number,
  signalEnd: number,
  n: number,
): number {
  const taps = kernel.phases[n % kernel.new].taps;
  const start = inputStart(kernel, n);
  let sum = 0;
  if (start >= 0 && start + taps.length <= signalEnd) {
    const base = start - inputOffset;
    for (let i = 0; i < taps.length; i++) sum += taps[i] * input[base + i];
  } else {
    for (let i = 0; i < taps.length; i++) {
      const index = start + i;
      if (index >= 0 && index < signalEnd) sum += taps[i] * input[index - inputOffset];
    }
  }
  return sum;
}

/** Resamples a whole signal from `fromRate` to `toRate` (integer rates in Hz). */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  assertRate(fromRate, 'fromRate');
  assertRate(toRate, 'toRate');
  if (fromRate === toRate) return samples.slice();
  const kernel = kernelFor(fromRate, toRate);
  const out = new Float32Array(outputLength(kernel, samples.length));
  for (let n = 0; n < out.length; n++) {
    out[n] = outputSample(kernel, samples, 0, samples.length, n);
  }
  return out;
}

/**
 * Chunk-by-chunk resampling: the concatenation of every `push` result and the final `flush`
 * equals `resample(wholeSignal, fromRate, toRate)` (same arithmetic, so bit-identical). Output is
 * delayed only by the filter's look-ahead (about 6 input periods of the lower rate).
 */
export class StreamingResampler {
  private readonly kernel: ResampleKernel | null;
  /** Input not yet fully consumed; `pending[0]` is absolute sample `pendingStart`. */
  private pending = new Float32Array(0);
  private pendingStart = 0;
  private received = 0;
  private produced = 0;
  private flushed = false;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    assertRate(fromRate, 'fromRate');
    assertRate(toRate, 'toRate');
    this.kernel = fromRate === toRate ? null : kernelFor(fromRate, toRate);
  }

  push(chunk: Float32Array): Float32Array {
    if (this.flushed) throw new Error('StreamingResampler: push after flush');
    if (!this.kernel) return chunk.slice();
    this.append(chunk);
    const out: number[] = [];
    const kernel = this.kernel;
    for (;;) {
      const n = this.produced;
      const end = inputStart(kernel, n) + kernel.phases[n % kernel.new].taps.length;
      if (end > this.received) break;
      out.push(outputSample(kernel, this.pending, this.pendingStart, this.received, n));
      this.produced++;
    }
    this.dropConsumedInput();
    return Float32Array.from(out);
  }

  /** Emits the tail (the signal is zero-padded past its end, as torch does). */
  flush(): Float32Array {
    if (this.flushed) throw new Error('StreamingResampler: flush called twice');
    this.flushed = true;
    if (!this.kernel) return new Float32Array(0);
    const total = outputLength(this.kernel, this.received);
    const out = new Float32Array(Math.max(0, total - this.produced));
    for (let i = 0; i < out.length; i++) {
      out[i] = outputSample(
        this.kernel,
        this.pending,
        this.pendingStart,
        this.received,
        this.produced + i,
      );
    }
    this.produced = total;
    this.pending = new Float32Array(0);
    return out;
  }

  private append(chunk: Float32Array): void {
    const merged = new Float32Array(this.pending.length + chunk.length);
    merged.set(this.pending);
    merged.set(chunk, this.pending.length);
    this.pending = merged;
    this.received += chunk.length;
  }

  private dropConsumedInput(): void {
    const kernel = this.kernel as ResampleKernel;
    const frame = Math.floor(this.produced / kernel.new);
    const earliestRead = frame * kernel.orig - kernel.width + kernel.minOffset;
    const keepFrom = Math.min(this.received, Math.max(0, earliestRead));
    const drop = keepFrom - this.pendingStart;
    if (drop > 0) {
      this.pending = this.pending.slice(drop);
      this.pendingStart = keepFrom;
    }
  }
}
