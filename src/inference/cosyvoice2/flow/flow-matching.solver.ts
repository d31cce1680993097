import { MEL_BINS } from '../cosyvoice2.constants.js';

export const FLOW_STEPS = 10;
export const CFG_RATE = 0.7;

/** One batch-of-2 estimator call: row 0 conditioned, row 1 with zero mu/spks/cond. */
export interface EstimatorBatch {
  /** [2, 80, frames] */
  x: Float32Array;
  /** [2, 1, frames] */
  mask: Float32Array;
  /** [2, 80, frames] */
  mu: Float32Array;
  /** [2] */
  t: Float32Array;
  /** [2, 80] */
  spks: Float32Array;
  /** [2, 80, frames] */
  cond: Float32Array;
  frames: number;
}

/** Runs the estimator; resolves to its velocity output [2, 80, frames]. */
export type FlowEstimator = (batch: EstimatorBatch) => Promise<Float32Array>;

export interface FlowSolveInput {
  /** Starting noise [80, frames]. */
  noise: Float32Array;
  /** Encoder output [80, frames]. */
  mu: Float32Array;
  /** [frames] (the encoder's [1, 1, frames] mask). */
  mask: Float32Array;
  /** Projected speaker embedding [80]. */
  spks: Float32Array;
  /** Prompt mel condition [80, frames]. */
  cond: Float32Array;
  frames: number;
  estimator: FlowEstimator;
  signal?: AbortSignal;
  steps?: number;
}

/** t grid 1 − cos(linspace(0, 1, steps + 1)·π/2), in float32. */
export function cosineTimeGrid(steps: number): Float32Array {
  const grid = new Float32Array(steps + 1);
  for (let i = 0; i <= steps; i++) {
    const linear = Math.fround(i / steps);
    grid[i] = 1 - Math.cos(linear * 0.5 * Math.PI);
  }
  return grid;
}

/**
 * Conditional flow matching with a fixed-step Euler solver and classifier-free guidance:
 * x += dt · ((1 + 0.7)·v_cond − 0.7·v_uncond) for each step of the cosine grid.
 * Returns the final x, [80, frames].
 */
export async function solveFlowEuler(input: FlowSolveInput): Promise<Float32Array> {
  const { frames, estimator, signal } = input;
  const plane = MEL_BINS * frames;
  const grid = cosineTimeGrid(input.steps ?? FLOW_STEPS);

  const batch: EstimatorBatch = {
    x: new Float32Array(2 * plane),
    mask: new Float32Array(2 * frames),
    mu: new Float32Array(2 * plane),
    t: new Float32Array(2),
    spks: new Float32Array(2 * MEL_BINS),
    cond: new Float32Array(2 * plane),
    frames,
  };
  batch.mask.set(input.mask, 0);
  batch.mask.set(input.mask, frames);
  batch.mu.set(input.mu, 0);
  batch.spks.set(input.spks, 0);
  batch.cond.set(input.cond, 0);

  const x = Float32Array.from(input.noise);
  const conditionedWeight = Math.fround(1 + CFG_RATE);
  const unconditionedWeight = Math.fround(CFG_RATE);
  let t = grid[0];
  let dt = Math.fround(grid[1] - grid[0]);
  for (let step = 1; step < grid.length; step++) {
    signal?.throwIfAborted();
    batch.x.set(x, 0);
    batch.x.set(x, plane);
    batch.t[0] = t;
    batch.t[1] = t;
    const velocity = await estimator(batch);
    if (velocity.length !== 2 * plane) {
      throw new Error(`estimator returned ${velocity.length} values, expected ${2 * plane}`);
    }
    for (let i = 0; i < plane; i++) {
      const guided = conditionedWeight * velocity[i] - unconditionedWeight * velocity[plane + i];
      x[i] = x[i] + dt * Math.fround(guided);
    }
    t = Math.fround(t + dt);
    if (step < grid.length - 1) dt = Math.fround(grid[step + 1] - t);
  }
  signal?.throwIfAborted();
  return x;
}
