import { describe, expect, it } from 'vitest';
import type { InferenceConfig } from '../../../src/config/app-config.js';
import { threadsPerWorker } from '../../../src/inference/worker/worker-threads.js';

const cpu: InferenceConfig = { modelDir: '/models', device: 'cpu', threads: 0 };

describe('threadsPerWorker', () => {
  it('splits the cores evenly between the workers, at least one thread each', () => {
    expect(threadsPerWorker(cpu, 1, 8)).toBe(8);
    expect(threadsPerWorker(cpu, 2, 8)).toBe(4);
    expect(threadsPerWorker(cpu, 3, 8)).toBe(2);
    expect(threadsPerWorker(cpu, 4, 2)).toBe(1);
  });

  it('keeps INFERENCE_THREADS when it is set, and onnxruntime’s default on CUDA', () => {
    expect(threadsPerWorker({ ...cpu, threads: 6 }, 2, 8)).toBe(6);
    expect(threadsPerWorker({ ...cpu, device: 'cuda' }, 2, 8)).toBe(0);
  });
});
