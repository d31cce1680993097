import { Inject, Injectable } from '@nestjs/common';
import { AdmissionQueue } from '../common/admission-queue.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';

/**
 * Bounds the uploads read, decoded and analysed at once (MAX_CONCURRENT_UPLOADS), the number
 * waiting (UPLOAD_QUEUE_SIZE) and how long one waits (UPLOAD_QUEUE_WAIT_MS); beyond them, 503
 * ServerBusy with Retry-After. Its slots are its own: uploads never take a synthesis slot (their
 * feature extraction queues in the inference workers beside the syntheses).
 */
@Injectable()
export class UploadLimiter extends AdmissionQueue {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({
      maxConcurrent: config.inputLimits.maxConcurrentUploads,
      queueSize: config.inputLimits.uploadQueueSize,
      queueWaitMs: config.inputLimits.uploadQueueWaitMs,
      plural: 'uploads',
      singular: 'upload',
      settings: 'MAX_CONCURRENT_UPLOADS, UPLOAD_QUEUE_SIZE',
    });
  }
}
