import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { InferenceModule } from '../../src/inference/inference.module.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

describe('INFERENCE_DEVICE=webgpu without a usable adapter', () => {
  it('fails boot with the documented message: what is missing and how to fall back', async () => {
    // Dawn reads these once per process; this spec file runs in its own process.
    process.env.VK_ICD_FILENAMES = join(tmpdir(), 'no-such-driver', 'vk_icd.json');
    process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'webgpu-xdg-'));
    const modelDir = await prepareTinyPack();
    const boot = Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          inference: { modelDir, device: 'webgpu', threads: 0, workers: 1 },
          engine: { nodes: [] },
        } as unknown as AppConfig),
        InferenceModule,
      ],
    })
      .compile()
      .then((moduleRef) => moduleRef.init());
    await expect(boot).rejects.toThrow(
      new RegExp(
        '^INFERENCE_DEVICE=webgpu but onnxruntime could not create the WebGPU execution provider ' +
          '\\(.*No supported adapters.*\\)\\. WebGPU found no usable adapter: it needs a Vulkan loader ' +
          '\\(libvulkan1\\) and a Vulkan driver whose ICD file the loader finds \\(set VK_ICD_FILENAMES ' +
          'or VK_DRIVER_FILES .*NVIDIA_DRIVER_CAPABILITIES must include graphics\\)\\. Or set INFERENCE_DEVICE=cpu$',
        's',
      ),
    );
  });
});
