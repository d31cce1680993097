import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InferenceModule } from '../inference/inference.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { BlobCleanupService } from './blob-cleanup.service.js';
import { BlobDeletionEntity } from './blob-deletion.entity.js';
import { BlobDeletionRepository } from './blob-deletion.repository.js';
import { ReferenceAudioController } from './reference-audio.controller.js';
import { ReferenceAudioEntity } from './reference-audio.entity.js';
import { ReferenceAudioRepository } from './reference-audio.repository.js';
import { ReferenceAudioService } from './reference-audio.service.js';
import { UploadAudioDecoder } from './upload-audio.decoder.js';
import { UploadNameReservations } from './upload-name.reservations.js';
import { UploadLimiter } from './upload.limiter.js';
import { UploadMetrics } from './upload.metrics.js';
import { VoiceFeaturesService } from './voice-features.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([ReferenceAudioEntity, BlobDeletionEntity]),
    StorageModule,
    InferenceModule,
  ],
  controllers: [ReferenceAudioController],
  providers: [
    ReferenceAudioRepository,
    BlobDeletionRepository,
    BlobCleanupService,
    VoiceFeaturesService,
    ReferenceAudioService,
    UploadAudioDecoder,
    UploadLimiter,
    UploadMetrics,
    UploadNameReservations,
  ],
  exports: [ReferenceAudioService],
})
export class ReferenceAudioModule {}
