import { describe, expect, it } from 'vitest';
import { LlmHead } from '../../../src/inference/cosyvoice2/llm/llm-head.js';
import { SessionTimer } from '../../../src/inference/cosyvoice2/runtime/session-timer.js';

describe('LlmHead (in-memory ONNX Gemm + LogSoftmax)', () => {
  it('computes log_softmax(hidden · Wᵀ + b) as worked out by hand', async () => {
    // W [3 tokens, 2 hidden]; hidden = [1, 2] -> logits [1·1 + 2·0, 1·0 + 2·1, 1·1 + 2·1] + b.
    const weight = { data: Float32Array.of(1, 0, 0, 1, 1, 1), rows: 3, cols: 2 };
    const bias = Float32Array.of(0, 1, -3);
    const head = await LlmHead.create(weight, bias, { executionProviders: ['cpu'] });
    const logits = [1, 3, 0];
    const logTotal = Math.log(logits.reduce((sum, v) => sum + Math.exp(v), 0));
    const logProbs = await head.logProbs(Float32Array.of(1, 2), new SessionTimer());
    expect(logProbs.length).toBe(3);
    logits.forEach((logit, i) => expect(logProbs[i]).toBeCloseTo(logit - logTotal, 5));
    await head.release();
  });

  it('rejects a bias that does not match the weight rows', async () => {
    const weight = { data: new Float32Array(6), rows: 3, cols: 2 };
    await expect(
      LlmHead.create(weight, new Float32Array(4), { executionProviders: ['cpu'] }),
    ).rejects.toThrow(/3 rows but bias 4/);
  });
});
