import { MEL_BINS } from '../cosyvoice2.constants.js';
import { SeededRandom } from '../runtime/seeded-random.js';

/** 300 s of 50 Hz mel frames, as the official `rand_noise` buffer. */
export const FLOW_NOISE_FRAMES = 15000;
const FLOW_NOISE_SEED = 0;

/**
 * The fixed Gaussian starting noise of the flow, [80, 15000], made once from a fixed seed.
 * It is indexed by absolute mel frame, so a frame gets the same noise whether it is computed in a
 * streaming prefix or in a whole utterance.
 */
export class FlowNoise {
  private static shared: FlowNoise | undefined;

  private constructor(private readonly buffer: Float32Array) {}

  static instance(): FlowNoise {
    if (!FlowNoise.shared) {
      const random = new SeededRandom(FLOW_NOISE_SEED);
      const buffer = new Float32Array(MEL_BINS * FLOW_NOISE_FRAMES);
      for (let i = 0; i < buffer.length; i++) buffer[i] = random.nextGaussian();
      FlowNoise.shared = new FlowNoise(buffer);
    }
    return FlowNoise.shared;
  }

  /** Noise for frames [0, frames) as [80, frames] (bin-major). */
  firstFrames(frames: number): Float32Array {
    if (frames > FLOW_NOISE_FRAMES) {
      throw new RangeError(
        `utterance of ${frames} mel frames exceeds the ${FLOW_NOISE_FRAMES}-frame noise buffer`,
      );
    }
    const noise = new Float32Array(MEL_BINS * frames);
    for (let bin = 0; bin < MEL_BINS; bin++) {
      const row = bin * FLOW_NOISE_FRAMES;
      noise.set(this.buffer.subarray(row, row + frames), bin * frames);
    }
    return noise;
  }
}
