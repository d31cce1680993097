import { describe, expect, it } from 'vitest';
import {
  cosineTimeGrid,
  solveFlowEuler,
  type EstimatorBatch,
} from '../../../src/inference/cosyvoice2/flow/flow-matching.solver.js';
import { FlowNoise } from '../../../src/inference/cosyvoice2/flow/flow-noise.js';

const BINS = 80;

function filled(length: number, value: (i: number) => number): Float32Array {
  return Float32Array.from({ length }, (_, i) => value(i));
}

function flowInput(frames: number) {
  return {
    noise: filled(BINS * frames, (i) => (i % 7) - 3),
    mu: filled(BINS * frames, (i) => 0.5 + i * 0.001),
    mask: filled(frames, () => 1),
    spks: filled(BINS, (i) => i / 80),
    cond: filled(BINS * frames, (i) => -i * 0.002),
    frames,
  };
}

describe('cosineTimeGrid', () => {
  it('is 1 - cos(linspace(0,1,11) * pi/2)', () => {
    const grid = cosineTimeGrid(10);
    expect(grid.length).toBe(11);
    expect(grid[0]).toBe(0);
    expect(grid[5]).toBeCloseTo(1 - Math.SQRT1_2, 6);
    expect(grid[10]).toBeCloseTo(1, 6);
    expect(grid[1]).toBeCloseTo(1 - Math.cos(Math.PI / 20), 6);
  });
});

describe('solveFlowEuler', () => {
  it('builds the CFG batch: row 0 conditioned, row 1 with zero mu/spks/cond', async () => {
    const input = flowInput(3);
    const plane = BINS * 3;
    const seenT: number[] = [];
    const estimator = (batch: EstimatorBatch) => {
      expect(batch.x.subarray(0, plane)).toEqual(batch.x.subarray(plane));
      expect(batch.mu.subarray(0, plane)).toEqual(input.mu);
      expect(batch.mu.subarray(plane).every((v) => v === 0)).toBe(true);
      expect(batch.spks.subarray(0, BINS)).toEqual(input.spks);
      expect(batch.spks.subarray(BINS).every((v) => v === 0)).toBe(true);
      expect(batch.cond.subarray(0, plane)).toEqual(input.cond);
      expect(batch.cond.subarray(plane).every((v) => v === 0)).toBe(true);
      expect(Array.from(batch.mask)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(batch.t[0]).toBe(batch.t[1]);
      seenT.push(batch.t[0]);
      return Promise.resolve(new Float32Array(2 * plane));
    };
    await solveFlowEuler({ ...input, estimator });
    const grid = cosineTimeGrid(10);
    expect(seenT.length).toBe(10);
    seenT.forEach((t, i) => expect(t).toBeCloseTo(grid[i], 6));
  });

  it('moves x by the guided velocity 1.7*v_c - 0.7*v_u over t in [0, 1]', async () => {
    const input = flowInput(2);
    const plane = BINS * 2;
    // v_c = 2, v_u = 1 everywhere: dphi = 3.4 - 0.7 = 2.7, integrated over t from 0 to 1.
    const velocity = filled(2 * plane, (i) => (i < plane ? 2 : 1));
    const x = await solveFlowEuler({ ...input, estimator: () => Promise.resolve(velocity) });
    x.forEach((value, i) => expect(value).toBeCloseTo(input.noise[i] + 2.7, 5));
  });

  it('takes one Euler step per grid interval with the current x', async () => {
    const input = { ...flowInput(1), noise: filled(BINS, () => 1) };
    // v_c = x, v_u = 0: each step multiplies x by (1 + 1.7 dt).
    const estimator = (batch: EstimatorBatch) => {
      const out = new Float32Array(2 * BINS);
      out.set(batch.x.subarray(0, BINS));
      return Promise.resolve(out);
    };
    const x = await solveFlowEuler({ ...input, estimator });
    const grid = cosineTimeGrid(10);
    let expected = 1;
    for (let step = 0; step < 10; step++) expected *= 1 + 1.7 * (grid[step + 1] - grid[step]);
    expect(x[0]).toBeCloseTo(expected, 4);
  });

  it('stops between steps when the signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const estimator = () => {
      calls++;
      if (calls === 3) controller.abort();
      return Promise.resolve(new Float32Array(2 * BINS * 2));
    };
    await expect(
      solveFlowEuler({ ...flowInput(2), estimator, signal: controller.signal }),
    ).rejects.toThrow();
    expect(calls).toBe(3);
  });
});

describe('FlowNoise', () => {
  it('is a fixed standard-normal buffer indexed by absolute frame', () => {
    const noise = FlowNoise.instance();
    const short = noise.firstFrames(10);
    const long = noise.firstFrames(50);
    for (let bin = 0; bin < BINS; bin++) {
      expect(short.subarray(bin * 10, bin * 10 + 10)).toEqual(
        long.subarray(bin * 50, bin * 50 + 10),
      );
    }
    const sample = noise.firstFrames(2000);
    const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
    const variance = sample.reduce((a, b) => a + (b - mean) ** 2, 0) / sample.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(variance).toBeCloseTo(1, 1);
    expect(() => noise.firstFrames(15001)).toThrow(/15000/);
  });
});
