/** Root mean square of `samples[from..to)`. */
export function rms(samples: Float32Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** Largest absolute sample value. */
export function peak(samples: Float32Array): number {
  let max = 0;
  for (const value of samples) max = Math.max(max, Math.abs(value));
  return max;
}

/** The parts one after another in one array. */
export function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Pearson correlation of the first `min(a, b)` samples of two signals (0 when one is constant). */
export function correlation(a: Float32Array, b: Float32Array): number {
  const length = Math.min(a.length, b.length);
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < length; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= Math.max(1, length);
  meanB /= Math.max(1, length);
  let cross = 0;
  let energyA = 0;
  let energyB = 0;
  for (let i = 0; i < length; i++) {
    const x = a[i] - meanA;
    const y = b[i] - meanB;
    cross += x * y;
    energyA += x * x;
    energyB += y * y;
  }
  return energyA === 0 || energyB === 0 ? 0 : cross / Math.sqrt(energyA * energyB);
}
