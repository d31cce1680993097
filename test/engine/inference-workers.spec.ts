import { Logger } from '@nestjs/common';
import { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import type { SynthesisInput, VoiceFeatures } from '../../src/inference/inference.types.js';
import { WorkerPoolInferenceProvider } from '../../src/inference/worker/worker-pool.inference-provider.js';
import { loadCpuEngine } from '../support/cpu-engine.js';
import { collectSamples } from '../support/engine-spies.js';
import { glidingToneSamples } from '../support/reference-audio-fixtures.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

describe('inference in worker threads (tiny pack)', () => {
  let modelDir: string;
  let provider: WorkerPoolInferenceProvider;
  let engine: CosyVoice2Engine;
  let voice: VoiceFeatures;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    modelDir = await prepareTinyPack();
    provider = new WorkerPoolInferenceProvider({ modelDir, device: 'cpu', threads: 1, workers: 2 });
    await provider.onModuleInit();
    ({ engine, voice } = await loadCpuEngine(modelDir));
  });

  afterAll(async () => {
    await provider?.onApplicationShutdown();
    await engine?.onApplicationShutdown();
  });

  function input(overrides: Partial<SynthesisInput> = {}): SynthesisInput {
    return {
      mode: 'zero_shot',
      text: 'Hello there, this is a test of the worker threads.',
      promptText: 'A gliding tone.',
      voice,
      speed: 1,
      stream: true,
      seed: 11,
      ...overrides,
    };
  }

  it('reports every worker loaded', () => {
    expect(provider.status()).toEqual({
      loaded: true,
      device: 'cpu',
      testPack: true,
      workers: { total: 2, loaded: 2, restarting: 0 },
    });
  });

  it('synthesises and extracts in a worker, with no session run on the main thread', async () => {
    const sessions = (InferenceSession as unknown as { prototype: InferenceSession }).prototype;
    const run = vi.spyOn(sessions, 'run');
    const features = await provider.extractVoiceFeatures({
      samples: glidingToneSamples(),
      sampleRate: 16000,
    });
    const chunks = await collectSamples(provider.synthesize(input({ voice: features })));
    expect(run).not.toHaveBeenCalled();
    run.mockRestore();
    expect(features).toEqual(voice);
    const expected = await collectSamples(engine.synthesize(input()));
    expect(chunks).toEqual(expected);
    expect(
      provider.workerUsage().reduce((sum, usage) => sum + usage.busySeconds, 0),
    ).toBeGreaterThan(0);
  });
});
