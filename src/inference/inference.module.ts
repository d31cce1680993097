import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { INFERENCE_PROVIDER } from './inference.provider.js';
import { EngineFleetInferenceProvider } from './engine-fleet/engine-fleet.inference-provider.js';
import { WorkerPoolInferenceProvider } from './worker/worker-pool.inference-provider.js';

/**
 * Provides INFERENCE_PROVIDER = the CosyVoice2 ONNX engine in INFERENCE_WORKERS worker threads.
 * Each loads the model pack of `APP_CONFIG.inference` when the module initialises; a missing or
 * broken pack is reported by `status()` instead of stopping the app, while an unusable
 * GPU device (INFERENCE_DEVICE=cuda or webgpu) fails boot. With ENGINE_NODES, the provider
 * dispatches to those engine nodes instead and this process loads no model.
 */
@Module({
  providers: [
    {
      provide: INFERENCE_PROVIDER,
      useFactory: (config: AppConfig) =>
        config.engine.nodes.length > 0
          ? new EngineFleetInferenceProvider(config.engine, config.synthesis.queueTimeoutMs)
          : new WorkerPoolInferenceProvider(config.inference),
      inject: [APP_CONFIG],
    },
  ],
  exports: [INFERENCE_PROVIDER],
})
export class InferenceModule {}
