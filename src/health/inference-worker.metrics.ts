import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { INFERENCE_PROVIDER, InferenceProvider } from '../inference/inference.provider.js';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * Prometheus metrics of the inference worker threads, read from the provider at each scrape:
 * syntheses running and seconds spent in model sessions per worker, and worker restarts.
 */
@Injectable()
export class InferenceWorkerMetrics {
  constructor(@Inject(INFERENCE_PROVIDER) inference: InferenceProvider, metrics: MetricsService) {
    const registers = [metrics.registry];
    const usage = () => inference.workerUsage?.() ?? [];
    new Gauge({
      name: 'inference_worker_active_syntheses',
      help: 'Syntheses running on each inference worker thread',
      labelNames: ['worker'] as const,
      registers,
      collect() {
        this.reset();
        for (const worker of usage()) {
          this.set({ worker: String(worker.worker) }, worker.activeSyntheses);
        }
      },
    });
    new Counter({
      name: 'inference_worker_busy_seconds_total',
      help: 'Seconds each inference worker spent in model sessions (synthesis and feature extraction)',
      labelNames: ['worker'] as const,
      registers,
      collect() {
        this.reset();
        for (const worker of usage()) {
          this.inc({ worker: String(worker.worker) }, worker.busySeconds);
        }
      },
    });
    new Counter({
      name: 'inference_worker_restarts_total',
      help: 'Inference worker threads that died (crash, out of memory, exception) and were replaced',
      registers,
      collect() {
        this.reset();
        this.inc(usage().reduce((sum, worker) => sum + worker.restarts, 0));
      },
    });
  }
}
