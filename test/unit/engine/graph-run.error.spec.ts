import type { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { armGpuDeviceLossDrill } from '../../../src/inference/cosyvoice2/runtime/gpu-device-loss.drill.js';
import { GraphRunError } from '../../../src/inference/cosyvoice2/runtime/graph-run.error.js';
import { SessionTimer } from '../../../src/inference/cosyvoice2/runtime/session-timer.js';

/** A session whose run answers with `run`. */
function sessionAnswering(run: () => Promise<InferenceSession.ReturnType>): InferenceSession {
  return { run } as unknown as InferenceSession;
}

describe('SessionTimer: failed graph runs', () => {
  it("throws GraphRunError with onnxruntime's message and its error as the cause", async () => {
    const cause = new Error("Non-zero status code returned while running Add node. Name:'add'");
    const run = new SessionTimer().run(
      sessionAnswering(() => Promise.reject(cause)),
      {},
    );
    await expect(run).rejects.toBeInstanceOf(GraphRunError);
    await expect(run).rejects.toMatchObject({ message: cause.message, cause });
  });

  it('the lost-device drill fails the next run only, without running the graph', async () => {
    let runs = 0;
    const session = sessionAnswering(() => {
      runs++;
      return Promise.resolve({});
    });
    const timer = new SessionTimer();
    armGpuDeviceLossDrill();
    const drilled = timer.run(session, {});
    await expect(drilled).rejects.toBeInstanceOf(GraphRunError);
    await expect(drilled).rejects.toThrow(/WebGPU device lost \(fault drill\)/);
    expect(runs).toBe(0);
    await expect(timer.run(session, {})).resolves.toEqual({});
    expect(runs).toBe(1);
  });
});
