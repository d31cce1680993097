/**
 * `F.pad(x, (pad, pad), mode='reflect')`: mirrors the signal around its first and last sample
 * (the edge samples themselves are not repeated). Like torch, needs `pad < samples.length`.
 */
export function reflectPad(samples: Float32Array, pad: number): Float64Array {
  const length = samples.length;
  if (pad >= length) {
    throw new RangeError(`signal of ${length} samples is too short for a reflect pad of ${pad}`);
  }
  const out = new Float64Array(length + 2 * pad);
  for (let i = 0; i < pad; i++) {
    out[i] = samples[pad - i];
    out[pad + length + i] = samples[length - 2 - i];
  }
  for (let i = 0; i < length; i++) out[pad + i] = samples[i];
  return out;
}
