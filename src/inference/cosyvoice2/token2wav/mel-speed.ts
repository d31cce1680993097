import { interpolateMelOverTime } from '../dsp/mel-interpolation.js';
import { MEL_BINS } from '../cosyvoice2.constants.js';
import type { MelChunk } from '../hift/hift-stream.crossfade.js';

/** Resamples a bin-major mel linearly over time to `frames` frames (the `speed` option). */
export function changeMelSpeed(mel: MelChunk, frames: number): MelChunk {
  if (frames === mel.frames) return mel;
  if (frames === 0 || mel.frames === 0) return { data: new Float32Array(0), frames: 0 };
  return { data: interpolateMelOverTime(mel.data, MEL_BINS, mel.frames, frames), frames };
}
