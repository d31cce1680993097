import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig, InferenceConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { InferenceModule } from '../../src/inference/inference.module.js';
import {
  INFERENCE_PROVIDER,
  ModelNotLoadedError,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import type { VoiceFeatures } from '../../src/inference/inference.types.js';
import { prepareTinyPack, replaceBytes } from '../support/tiny-pack.js';
import { labelExpectedCudaFailure } from '../support/expected-cuda-failure.js';

/** Boots InferenceModule alone with `inference` settings and returns its provider. */
async function bootInference(inference: InferenceConfig): Promise<InferenceProvider> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({ inference, engine: { nodes: [] } } as unknown as AppConfig),
      InferenceModule,
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef.get<InferenceProvider>(INFERENCE_PROVIDER);
}

const voice: VoiceFeatures = {
  speakerEmbedding: new Float32Array(192),
  speechTokens: new Int32Array(4),
  promptMel: new Float32Array(8 * 80),
  promptMelFrames: 8,
};

function expectNotLoaded(provider: InferenceProvider, message: string): void {
  expect(provider.status()).toEqual({
    loaded: false,
    error: message,
    testPack: false,
    workers: { total: 1, loaded: 0, restarting: 0 },
  });
  expect(() =>
    provider.synthesize({
      mode: 'zero_shot',
      text: 'hello',
      promptText: 'hi',
      voice,
      speed: 1,
      stream: false,
    }),
  ).toThrow(new ModelNotLoadedError(message));
}

describe('InferenceModule', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('loads the pack at init and provides a ready engine', async () => {
    const provider = await bootInference({
      modelDir: await prepareTinyPack(),
      device: 'cpu',
      threads: 1,
    });
    expect(provider.status()).toEqual({
      loaded: true,
      device: 'cpu',
      testPack: true,
      workers: { total: 1, loaded: 1, restarting: 0 },
    });
  });

  it('boots without a pack file and names it with the download command', async () => {
    const dir = await prepareTinyPack();
    await rm(join(dir, 'CosyVoice2-0.5B_llm.onnx'));
    const provider = await bootInference({ modelDir: dir, device: 'cpu', threads: 1 });
    const { error } = provider.status();
    expect(error).toContain('CosyVoice2-0.5B_llm.onnx');
    expect(error).toContain('npm run models:download');
    expectNotLoaded(provider, error ?? '');
    await expect(
      provider.extractVoiceFeatures({ samples: new Float32Array(16000), sampleRate: 16000 }),
    ).rejects.toThrow(ModelNotLoadedError);
  });

  it('boots with a graph whose input has the wrong name and says which', async () => {
    const dir = await prepareTinyPack();
    await replaceBytes(join(dir, 'CosyVoice2-0.5B_hift.onnx'), 'speech_feat', 'speech_fea7');
    const provider = await bootInference({ modelDir: dir, device: 'cpu', threads: 1 });
    const { error } = provider.status();
    expect(error).toMatch(
      /CosyVoice2-0\.5B_hift\.onnx: the engine feeds input 'speech_feat', which the graph does not declare/,
    );
    expectNotLoaded(provider, error ?? '');
  });

  it('boots when MODEL_DIR does not exist', async () => {
    const provider = await bootInference({
      modelDir: join(await prepareTinyPack(), 'absent'),
      device: 'cpu',
      threads: 1,
    });
    expect(provider.status().error).toMatch(/does not exist.*npm run models:download/);
  });

  const cudaBundled = listSupportedBackends().some(
    (backend) => backend.name === 'cuda' && backend.bundled,
  );
  it.skipIf(cudaBundled)(
    'fails boot loudly when INFERENCE_DEVICE=cuda cannot be used',
    async () => {
      const modelDir = await prepareTinyPack();
      labelExpectedCudaFailure();
      await expect(bootInference({ modelDir, device: 'cuda', threads: 0 })).rejects.toThrow(
        /INFERENCE_DEVICE=cuda/,
      );
    },
  );

  it.skipIf(cudaBundled)('fails boot on an unusable cuda device even without a pack', async () => {
    const modelDir = join(await prepareTinyPack(), 'absent');
    labelExpectedCudaFailure();
    await expect(bootInference({ modelDir, device: 'cuda', threads: 0 })).rejects.toThrow(
      /INFERENCE_DEVICE=cuda but onnxruntime could not create the CUDA execution provider/,
    );
  });
});
