import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphRunError } from '../../../src/inference/cosyvoice2/runtime/graph-run.error.js';
import type { WorkerToMainMessage } from '../../../src/inference/worker/inference-worker.protocol.js';
import { exitOnGpuGraphFailure } from '../../../src/inference/worker/gpu-failure.exit.js';

const lost = new GraphRunError(new Error('WebGPU device lost'));

describe('exitOnGpuGraphFailure', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function outcome(
    device: 'cpu' | 'webgpu' | 'cuda',
    error: unknown,
  ): { exitCode: number | undefined; posted: WorkerToMainMessage[] } {
    const posted: WorkerToMainMessage[] = [];
    let exitCode: number | undefined;
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      exitCode = Number(code);
      return undefined as never;
    });
    exitOnGpuGraphFailure(device, error, (message) => posted.push(message));
    return { exitCode, posted };
  }

  it('ends the worker on a failed graph run on a GPU device, saying why', () => {
    for (const device of ['webgpu', 'cuda'] as const) {
      const { exitCode, posted } = outcome(device, lost);
      expect(exitCode).toBe(1);
      expect(posted).toEqual([
        {
          type: 'log',
          level: 'error',
          context: 'InferenceWorker',
          message:
            `a graph run failed on the ${device} device (WebGPU device lost): this worker ends, ` +
            'its requests fail with EngineFailed and a new worker re-creates its sessions',
        },
      ]);
    }
  });

  it('goes on for a failed run on the CPU and for errors that are not graph runs', () => {
    expect(outcome('cpu', lost)).toEqual({ exitCode: undefined, posted: [] });
    expect(outcome('webgpu', new Error('text source failed'))).toEqual({
      exitCode: undefined,
      posted: [],
    });
  });
});
