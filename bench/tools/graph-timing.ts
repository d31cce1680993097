/**
 * One graph of a real-size bench pack timed alone with plain onnxruntime sessions, for A/B runs of
 * pack options and session options in BENCHMARKS.md (interleave the variants: the machine is
 * shared, so back-to-back pairs are what compare).
 * `npx tsx bench/tools/graph-timing.ts <pack dir> llm|estimator [threads] [nospin]`
 * llm: one decode step at past 220 (median of 12 after 3 warm-up runs) and a 200-row prefill
 * (median of 3); estimator: one Euler step (batch 2) over 356 frames (median of 4 after 1).
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { join } from 'node:path';

const LAYERS = 24;
const HIDDEN = 896;
const KV_HEADS = 2;
const HEAD_DIM = 64;
const PAST = 220;
const PREFILL = 200;
const FRAMES = 356;

const [dir, graph, threadsArg = '0', spin = 'spin'] = process.argv.slice(2);
const threads = Number(threadsArg);
const options: InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
  ...(spin === 'nospin' ? { extra: { session: { 'intra_op.allow_spinning': '0' } } } : {}),
};

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function medianMs(
  session: InferenceSession,
  feeds: Record<string, Tensor>,
  warmUp: number,
  runs: number,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmUp + runs; i++) {
    const start = nowMs();
    await session.run(feeds);
    if (i >= warmUp) times.push(nowMs() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function llmFeeds(rows: number, past: number): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {
    xs: new Tensor('float32', new Float32Array(rows * HIDDEN).fill(0.01), [1, rows, HIDDEN]),
    masks: new Tensor('bool', new Uint8Array(rows * rows).fill(1), [1, rows, rows]),
  };
  for (let layer = 0; layer < LAYERS; layer++) {
    for (const name of [`key_cache${layer}`, `value_cache${layer}`]) {
      const cache = new Float32Array(KV_HEADS * past * HEAD_DIM).fill(0.01);
      feeds[name] = new Tensor('float32', cache, [1, KV_HEADS, past, HEAD_DIM]);
    }
  }
  return feeds;
}

function randomMel(): Tensor {
  const data = Float32Array.from({ length: 2 * 80 * FRAMES }, () => Math.random() - 0.5);
  return new Tensor('float32', data, [2, 80, FRAMES]);
}

const label = `${dir} ${graph} threads=${threads || 'default'} ${spin}`;
if (graph === 'llm') {
  const session = await InferenceSession.create(join(dir, 'CosyVoice2-0.5B_llm.onnx'), options);
  const decode = await medianMs(session, llmFeeds(1, PAST), 3, 12);
  const prefill = await medianMs(session, llmFeeds(PREFILL, 0), 0, 3);
  console.log(
    `${label}: decode step ${decode.toFixed(1)} ms, prefill ${PREFILL} ${prefill.toFixed(0)} ms`,
  );
} else {
  const session = await InferenceSession.create(
    join(dir, 'flow.decoder.estimator.fp32.onnx'),
    options,
  );
  const step = await medianMs(
    session,
    {
      x: randomMel(),
      mask: new Tensor('float32', new Float32Array(2 * FRAMES).fill(1), [2, 1, FRAMES]),
      mu: randomMel(),
      t: new Tensor('float32', Float32Array.of(0.3, 0.3), [2]),
      spks: new Tensor('float32', new Float32Array(160).fill(0.1), [2, 80]),
      cond: randomMel(),
    },
    1,
    4,
  );
  console.log(`${label}: estimator step ${step.toFixed(0)} ms (${FRAMES} frames, batch 2)`);
}
