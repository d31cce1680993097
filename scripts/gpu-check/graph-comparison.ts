import { type InferenceSession, Tensor } from 'onnxruntime-node';
import type { EngineRuntime } from '../../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { SessionTimer } from '../../src/inference/cosyvoice2/runtime/session-timer.js';
import { GRAPH_ROLES, type GraphRole } from '../../src/inference/model-pack/model-pack.manifest.js';

/** One graph run on the CPU and on the GPU device with the same inputs. */
export interface GraphComparison {
  role: GraphRole;
  /** Output dimensions on the CPU, per output (for the LLM: the head's log-probabilities). */
  cpuDims: number[][];
  gpuDims: number[][];
  /** Largest |cpu − gpu| over every output value. */
  maxAbsDiff: number;
  /** Largest |cpu| over every output value (the scale the difference is read against). */
  maxAbs: number;
  cpuMs: number;
  /** First GPU run (shaders compile for a new shape) and the median of the repeats. */
  gpuColdMs: number;
  gpuWarmMs: number;
}

/**
 * Runs `work` on the CPU runtime and keeps, per graph, the inputs of its first run: real inputs
 * of a real synthesis, so each graph is compared on what the engine feeds it. Every graph run goes
 * through SessionTimer.run; it is wrapped for the duration of `work` only.
 */
export async function recordGraphFeeds(
  runtime: EngineRuntime,
  work: () => Promise<void>,
): Promise<Map<GraphRole, InferenceSession.FeedsType>> {
  const roleOf = new Map<InferenceSession, GraphRole>(
    GRAPH_ROLES.map((role) => [runtime.pack.sessions[role], role]),
  );
  const recorded = new Map<GraphRole, InferenceSession.FeedsType>();
  const original = SessionTimer.prototype.run;
  SessionTimer.prototype.run = function (this: SessionTimer, session, feeds) {
    const role = roleOf.get(session);
    if (role !== undefined && !recorded.has(role)) recorded.set(role, feeds);
    return original.call(this, session, feeds);
  };
  try {
    await work();
  } finally {
    SessionTimer.prototype.run = original;
  }
  return recorded;
}

function floats(tensor: Tensor): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, Number);
  return Float32Array.from(data as ArrayLike<number>);
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The outputs the CPU can read for one graph run on a runtime: the LLM leaves its outputs on
 * the GPU device, so it is read through the engine's head (log-probabilities after the last
 * position), as the engine reads it; its device outputs are released.
 */
async function readableRun(
  runtime: EngineRuntime,
  role: GraphRole,
  feeds: InferenceSession.FeedsType,
): Promise<Tensor[]> {
  const session = runtime.pack.sessions[role];
  const outputs = await session.run(feeds);
  const tensors = session.outputNames.map((name) => outputs[name]);
  if (role !== 'llm') return tensors;
  try {
    const logProbs = await runtime.llmResources.head.logProbs(tensors[0], new SessionTimer());
    return [new Tensor('float32', logProbs, [1, logProbs.length])];
  } finally {
    for (const tensor of tensors) if (tensor.location === 'gpu-buffer') tensor.dispose();
  }
}

/**
 * Runs every recorded graph on both runtimes (the GPU one `repeats` more times, warm) and
 * compares the outputs value by value.
 */
export async function compareGraphs(
  cpu: EngineRuntime,
  gpu: EngineRuntime,
  feeds: Map<GraphRole, InferenceSession.FeedsType>,
  repeats = 2,
): Promise<GraphComparison[]> {
  const results: GraphComparison[] = [];
  for (const role of GRAPH_ROLES) {
    const input = feeds.get(role);
    if (!input) throw new Error(`no recorded run of the ${role} graph`);
    const cpuRun = await timed(() => readableRun(cpu, role, input));
    const gpuCold = await timed(() => readableRun(gpu, role, input));
    const warm: number[] = [];
    for (let i = 0; i < repeats; i++)
      warm.push((await timed(() => readableRun(gpu, role, input))).ms);
    let maxAbsDiff = 0;
    let maxAbs = 0;
    cpuRun.value.forEach((tensor, index) => {
      const expected = floats(tensor);
      const actual = floats(gpuCold.value[index]);
      for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
        maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(expected[i] - actual[i]));
      }
    });
    results.push({
      role,
      cpuDims: cpuRun.value.map((tensor) => [...tensor.dims]),
      gpuDims: gpuCold.value.map((tensor) => [...tensor.dims]),
      maxAbsDiff,
      maxAbs,
      cpuMs: cpuRun.ms,
      gpuColdMs: gpuCold.ms,
      gpuWarmMs: median(warm),
    });
  }
  return results;
}
