/**
 * Stretches a mel over time as `F.interpolate(mel[None], size=newFrames, mode='linear',
 * align_corners=False)` does (used for the `speed` option: newFrames = ⌊frames / speed⌋).
 * Output frame j samples the input at x = (j + 0.5)·frames/newFrames − 0.5 (clamped at 0),
 * linearly between its two neighbouring frames.
 *
 * Layout in and out: `[bins, frames]` row-major (the flow's `[1, 80, T]` mel without the batch
 * axis).
 */
export function interpolateMelOverTime(
  mel: Float32Array,
  bins: number,
  frames: number,
  newFrames: number,
): Float32Array {
  if (mel.length !== bins * frames) {
    throw new RangeError(`mel has ${mel.length} values, expected ${bins} x ${frames}`);
  }
  if (!Number.isInteger(newFrames) || newFrames < 1 || frames < 1) {
    throw new RangeError(`cannot interpolate ${frames} frames to ${newFrames}`);
  }
  const scale = frames / newFrames;
  const out = new Float32Array(bins * newFrames);
  for (let j = 0; j < newFrames; j++) {
    const source = Math.max(0, (j + 0.5) * scale - 0.5);
    const left = Math.min(Math.floor(source), frames - 1);
    const right = Math.min(left + 1, frames - 1);
    const weight = source - left;
    for (let b = 0; b < bins; b++) {
      const row = b * frames;
      out[b * newFrames + j] = (1 - weight) * mel[row + left] + weight * mel[row + right];
    }
  }
  return out;
}
