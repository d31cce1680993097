import { Inject, Injectable } from '@nestjs/common';
import { AdmissionQueue } from '../common/admission-queue.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';

export { type ReleaseSlot, SERVER_BUSY_RETRY_AFTER_SECONDS } from '../common/admission-queue.js';

/**
 * Bounds the number of syntheses running at once (MAX_CONCURRENT_SYNTHESES), the number
 * waiting for a slot (SYNTHESIS_QUEUE_SIZE) and how long one waits (SYNTHESIS_QUEUE_WAIT_MS);
 * beyond them, 503 ServerBusy with Retry-After (see AdmissionQueue).
 */
@Injectable()
export class SynthesisLimiter extends AdmissionQueue {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({
      maxConcurrent: config.synthesis.maxConcurrent,
      queueSize: config.synthesis.queueSize,
      queueWaitMs: config.synthesis.queueTimeoutMs,
      plural: 'syntheses',
      singular: 'synthesis',
      settings: 'MAX_CONCURRENT_SYNTHESES, SYNTHESIS_QUEUE_SIZE',
    });
  }
}
