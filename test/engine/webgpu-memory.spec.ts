import { Logger } from '@nestjs/common';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import { SessionTimer } from '../../src/inference/cosyvoice2/runtime/session-timer.js';
import type { VoiceFeatures } from '../../src/inference/inference.types.js';
import { glidingToneSamples } from '../support/reference-audio-fixtures.js';
import { useSwiftShader } from '../support/swiftshader.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const MIB = 1024 * 1024;
/** Syntheses measured after the first ones: half run to the end, half are aborted. */
const MEASURED_SYNTHESES = 8;
/**
 * Allowed RSS growth over the measured syntheses. SwiftShader keeps "GPU" memory in the process,
 * so RSS counts it. Measured: 1.3 to 13.2 MiB (onnxruntime's and SwiftShader's caches filling:
 * over 40 syntheses the growth stopped at 7.4 MiB after the 30th); with the KV caches of every
 * decode step left undisposed (a leak made on purpose), 18.4 MiB. The tiny pack's tensors are
 * small, so the sharp check is the count of device tensors left undisposed.
 */
const RSS_GROWTH_BOUND = 16 * MIB;

/**
 * The `gpu-buffer` tensors graph runs returned: how many, and those not disposed yet. Patches
 * `SessionTimer.run` and each such tensor's `dispose` by hand (not with vi.spyOn, whose call
 * records would keep every tensor alive); `restore` undoes the patch.
 */
function trackDeviceTensors(): { live: Set<Tensor>; returned: number; restore(): void } {
  const run = Object.getOwnPropertyDescriptor(SessionTimer.prototype, 'run');
  const original = SessionTimer.prototype.run;
  const tracked = {
    live: new Set<Tensor>(),
    returned: 0,
    restore: () => {
      if (run) Object.defineProperty(SessionTimer.prototype, 'run', run);
    },
  };
  SessionTimer.prototype.run = async function (this: SessionTimer, ...args) {
    const outputs = await original.apply(this, args);
    for (const tensor of Object.values(outputs)) {
      if (tensor.location !== 'gpu-buffer') continue;
      tracked.returned++;
      tracked.live.add(tensor);
      const dispose = tensor.dispose.bind(tensor);
      Object.defineProperty(tensor, 'dispose', {
        value: () => {
          tracked.live.delete(tensor);
          dispose();
        },
      });
    }
    return outputs;
  };
  return tracked;
}

function rssAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().rss;
}

describe('INFERENCE_DEVICE=webgpu (SwiftShader, tiny pack): memory over many syntheses', () => {
  let engine: CosyVoice2Engine;
  let voice: VoiceFeatures;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    useSwiftShader();
    engine = new CosyVoice2Engine({ modelDir: await prepareTinyPack(), device: 'webgpu', threads: 0 });
    await engine.load();
    expect(engine.status()).toMatchObject({ loaded: true, device: 'webgpu' });
    voice = await engine.extractVoiceFeatures({ samples: glidingToneSamples(), sampleRate: 16000 });
  }, 600_000);

  afterAll(async () => {
    await engine?.onApplicationShutdown();
  });

  /** One streamed synthesis, run to its end or aborted once its first chunk has come. */
  async function synthesize(abortAtFirstChunk: boolean): Promise<void> {
    const controller = new AbortController();
    const chunks = engine.synthesize({
      mode: 'zero_shot',
      text: 'Hello there, this is a short test.',
      promptText: 'A gliding tone.',
      voice,
      speed: 1,
      stream: true,
      seed: 5,
      signal: controller.signal,
    });
    let received = 0;
    try {
      for await (const chunk of chunks) {
        received += chunk.samples.length;
        if (abortAtFirstChunk) controller.abort(new Error('aborted by the test'));
      }
    } catch (error) {
      if (!abortAtFirstChunk) throw error;
    }
    expect(received).toBeGreaterThan(0);
  }

  it('leaves no device tensor undisposed and RSS (GPU memory included) within the bound over syntheses, aborted ones included', async () => {
    const tracked = trackDeviceTensors();
    onTestFinished(() => tracked.restore());
    const { live } = tracked;
    for (const abort of [false, true, false]) await synthesize(abort);
    expect(live.size).toBe(0);
    expect(tracked.returned).toBeGreaterThan(0);
    const before = rssAfterGc();
    for (let i = 0; i < MEASURED_SYNTHESES; i++) {
      await synthesize(i % 2 === 1);
      expect(live.size, `after synthesis ${i + 1}`).toBe(0);
    }
    const growth = rssAfterGc() - before;
    expect(growth, `${(growth / MIB).toFixed(1)} MiB`).toBeLessThanOrEqual(RSS_GROWTH_BOUND);
  }, 900_000);
});
