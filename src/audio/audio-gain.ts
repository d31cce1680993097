/**
 * Multiplies every sample by `gain` and clips the result to [-1, 1], so loud output saturates
 * instead of wrapping around. Returns a new array; the input is not modified.
 */
export function applyVolume(samples: Float32Array, gain: number): Float32Array {
  if (!Number.isFinite(gain) || gain < 0) {
    throw new RangeError(`volume gain must be a finite number >= 0, got ${gain}`);
  }
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i] * gain;
    out[i] = value > 1 ? 1 : value < -1 ? -1 : value;
  }
  return out;
}
