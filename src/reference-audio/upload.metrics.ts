import { Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { UploadLimiter } from './upload.limiter.js';

/** Why an upload was refused by the limits of issue 20 (a label of reference_audio_refused_total). */
export type UploadRefusal =
  | 'server_busy'
  | 'name_taken'
  | 'blank_transcript'
  | 'silent'
  | 'dc'
  | 'square_wave'
  | 'white_noise';

/**
 * Prometheus metrics of uploads: refusals by reason, uploads holding a slot and waiting for one.
 * Without a MetricsService (unit tests) it only counts nothing.
 */
@Injectable()
export class UploadMetrics {
  private readonly refusals: Counter<'reason'> | undefined;

  constructor(limiter: UploadLimiter, @Optional() metrics?: MetricsService) {
    if (!metrics) {
      return;
    }
    const registers = [metrics.registry];
    this.refusals = new Counter({
      name: 'reference_audio_refused_total',
      help:
        'Uploads refused: server_busy (MAX_CONCURRENT_UPLOADS, UPLOAD_QUEUE_SIZE), name_taken, ' +
        'blank_transcript, silent, dc, square_wave, white_noise',
      labelNames: ['reason'] as const,
      registers,
    });
    new Gauge({
      name: 'reference_audio_uploads_active',
      help: 'Uploads holding a slot (MAX_CONCURRENT_UPLOADS)',
      registers,
      collect() {
        this.set(limiter.active);
      },
    });
    new Gauge({
      name: 'reference_audio_uploads_queued',
      help: 'Uploads waiting for a slot (UPLOAD_QUEUE_SIZE)',
      registers,
      collect() {
        this.set(limiter.queued);
      },
    });
  }

  refused(reason: UploadRefusal): void {
    this.refusals?.inc({ reason });
  }
}
