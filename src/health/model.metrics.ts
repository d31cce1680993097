import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { INFERENCE_PROVIDER, InferenceProvider } from '../inference/inference.provider.js';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * Prometheus gauges of the speech model, read from the InferenceProvider at each scrape:
 * `model_loaded` (1 or 0) and, while loaded, `model_info{execution_provider}` = 1.
 */
@Injectable()
export class ModelMetrics {
  constructor(@Inject(INFERENCE_PROVIDER) inference: InferenceProvider, metrics: MetricsService) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'model_loaded',
      help: 'Whether the CosyVoice2 model pack is loaded (1) or not (0; see /ready for why)',
      registers,
      collect() {
        this.set(inference.status().loaded ? 1 : 0);
      },
    });
    new Gauge({
      name: 'model_info',
      help: 'The loaded model: execution_provider is the onnxruntime provider in use (cpu, cuda, webgpu)',
      labelNames: ['execution_provider'] as const,
      registers,
      collect() {
        this.reset();
        const status = inference.status();
        if (status.loaded) {
          this.set({ execution_provider: status.device ?? 'unknown' }, 1);
        }
      },
    });
  }
}
