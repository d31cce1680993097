import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { HealthController } from './health.controller.js';
import { EngineNodeMetrics } from './engine-node.metrics.js';
import { InferenceWorkerMetrics } from './inference-worker.metrics.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ModelMetrics } from './model.metrics.js';
import { ReadinessService } from './readiness.service.js';

@Module({
  imports: [MetricsModule, StorageModule, InferenceModule],
  controllers: [HealthController],
  providers: [ReadinessService, ModelMetrics, InferenceWorkerMetrics, EngineNodeMetrics],
})
export class HealthModule {}
