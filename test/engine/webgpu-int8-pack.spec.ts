import { Logger } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizePack } from '../../scripts/models/quantize-pack.js';
import { canGenerateTinyPack } from '../../scripts/models/tiny-pack.js';
import { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import { ModelNotLoadedError } from '../../src/inference/inference.provider.js';
import { useSwiftShader } from '../support/swiftshader.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const available = await canGenerateTinyPack();

describe.skipIf(!available)('an int8 pack (npm run models:quantize) on INFERENCE_DEVICE=webgpu', () => {
  let work: string;
  let int8Pack: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    useSwiftShader();
    work = await mkdtemp(join(tmpdir(), 'cosyvoice2-int8-webgpu-'));
    int8Pack = join(work, 'int8');
    await quantizePack(await prepareTinyPack(), int8Pack, { estimator: false });
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is refused at load, naming the int8 graph, why, and the way out', async () => {
    const engine = new CosyVoice2Engine({ modelDir: int8Pack, device: 'webgpu', threads: 0 });
    await engine.load();
    const status = engine.status();
    expect(status.loaded).toBe(false);
    expect(status.error).toBe(
      'CosyVoice2-0.5B_llm.onnx is an int8 graph (MatMulInteger, DynamicQuantizeLinear), which ' +
        'INFERENCE_DEVICE=webgpu cannot run on the GPU: onnxruntime has no WebGPU kernel for ' +
        'these operators and would copy every quantised MatMul to the CPU and back. Point ' +
        'MODEL_DIR at the float pack (npm run models:download), or use the int8 pack with ' +
        'INFERENCE_DEVICE=cpu',
    );
    expect(() => engine.synthesize({} as never)).toThrow(ModelNotLoadedError);
  }, 300_000);

  it('still loads on the CPU', async () => {
    const engine = new CosyVoice2Engine({ modelDir: int8Pack, device: 'cpu', threads: 1 });
    await engine.load();
    expect(engine.status()).toMatchObject({ loaded: true, device: 'cpu' });
    await engine.onApplicationShutdown();
  }, 300_000);
});
