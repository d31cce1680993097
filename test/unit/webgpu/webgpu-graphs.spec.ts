import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceConfig } from '../../../src/config/app-config.js';
import { gatherRows } from '../../../src/inference/cosyvoice2/llm/embedding-table.js';
import { LlmCacheSession } from '../../../src/inference/cosyvoice2/llm/llm-cache.session.js';
import { SeededRandom } from '../../../src/inference/cosyvoice2/runtime/seeded-random.js';
import {
  buildEngineRuntime,
  type EngineRuntime,
} from '../../../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { SessionTimer } from '../../../src/inference/cosyvoice2/runtime/session-timer.js';
import { GRAPH_ROLES } from '../../../src/inference/model-pack/model-pack.manifest.js';
import { loadModelPack } from '../../../src/inference/model-pack/model-pack.loader.js';
import { compareGraphs, recordGraphFeeds } from '../../../scripts/gpu-check/graph-comparison.js';
import { collectSamples } from '../../support/engine-spies.js';
import { glidingToneSamples } from '../../support/reference-audio-fixtures.js';
import { useSwiftShader } from '../../support/swiftshader.js';
import { prepareTinyPack } from '../../support/tiny-pack.js';

/**
 * Stated tolerance of WebGPU against the CPU, per output: max |cpu − webgpu| ≤ 1e-3 × max(1,
 * max |cpu|): float32 kernels that add in another order (the flow estimator differed by
 * 5.4e-5 at values up to 2.2, HiFT by 7.5e-8, when first measured on SwiftShader).
 */
const RELATIVE_TOLERANCE = 1e-3;

async function loadRuntime(config: InferenceConfig): Promise<EngineRuntime> {
  const pack = await loadModelPack(config);
  return buildEngineRuntime(pack, config);
}

describe('INFERENCE_DEVICE=webgpu on SwiftShader: the tiny pack against the CPU', () => {
  let cpu: EngineRuntime;
  let gpu: EngineRuntime;

  beforeAll(async () => {
    useSwiftShader();
    const modelDir = await prepareTinyPack();
    cpu = await loadRuntime({ modelDir, device: 'cpu', threads: 1 });
    gpu = await loadRuntime({ modelDir, device: 'webgpu', threads: 0 });
  }, 300_000);

  afterAll(async () => {
    await cpu?.release();
    await gpu?.release();
  });

  it('runs every graph with the same output shapes, within the stated tolerance', async () => {
    const feeds = await recordGraphFeeds(cpu, async () => {
      const voice = await cpu.voiceFeatures.extract(
        { samples: glidingToneSamples(), sampleRate: 16000 },
        new SessionTimer(),
      );
      await collectSamples(
        cpu.synthesizer.synthesize({
          mode: 'cross_lingual',
          text: 'Hello there.',
          promptText: '',
          voice,
          speed: 1,
          stream: true,
          seed: 3,
        }),
      );
    });
    const results = await compareGraphs(cpu, gpu, feeds, 0);
    expect(results.map((result) => result.role)).toEqual([...GRAPH_ROLES]);
    for (const result of results) {
      expect(result.gpuDims, result.role).toEqual(result.cpuDims);
      expect(result.maxAbsDiff, result.role).toBeLessThanOrEqual(
        RELATIVE_TOLERANCE * Math.max(1, result.maxAbs),
      );
    }
  }, 600_000);

  it('teacher-forces the LLM over fixed tokens: same log-probabilities, KV cache on the GPU', async () => {
    const tokens = [17, 4095, 3, 6000, 250, 251, 1024, 77];
    const hidden = cpu.llmResources.llmEmbedding.cols;
    const vocab = cpu.pack.tables.llmDecoderBias.data.length;
    const random = new SeededRandom(11);
    const prefill = Float32Array.from({ length: 12 * hidden }, () => random.nextGaussian());
    const sessions = [cpu, gpu].map((runtime) => ({
      timer: new SessionTimer(),
      runtime,
    }));
    const cache = sessions.map(
      ({ runtime, timer }) => new LlmCacheSession(runtime.llmResources, timer),
    );
    try {
      const steps = [
        prefill,
        ...tokens.map((token) => gatherRows(cpu.llmResources.speechEmbedding, [token])),
      ];
      for (const [step, xs] of steps.entries()) {
        const before = sessions.map(({ timer }) => timer.hostTransfer());
        const [expected, actual] = [await cache[0].append(xs), await cache[1].append(xs)];
        let maxDiff = 0;
        for (let i = 0; i < vocab; i++)
          maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        const scale = Math.max(1, ...Array.from(expected, Math.abs));
        expect(maxDiff, `step ${step}`).toBeLessThanOrEqual(RELATIVE_TOLERANCE * scale);
        expect(new Set(cache[0].cacheLocations())).toEqual(new Set(['cpu']));
        expect(new Set(cache[1].cacheLocations())).toEqual(new Set(['gpu-buffer']));
        if (step > 0) {
          // Per generated token on WebGPU only the new row and its mask go up, the
          // log-probabilities come back; the CPU path hands the caches to JavaScript.
          const after = sessions[1].timer.hostTransfer();
          expect(after.fedBytes - before[1].fedBytes).toBe(hidden * 4 + 1);
          expect(after.returnedBytes - before[1].returnedBytes).toBe(vocab * 4);
          const cpuAfter = sessions[0].timer.hostTransfer();
          expect(cpuAfter.returnedBytes - before[0].returnedBytes).toBeGreaterThan(vocab * 4);
        }
      }
    } finally {
      cache.forEach((session) => session.release());
    }
    expect(cache[1].cacheLocations()).toEqual([]);
  }, 600_000);
});
