import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module.js';
import { ReferenceAudioModule } from '../reference-audio/reference-audio.module.js';
import { SynthesisLimiter } from './synthesis.limiter.js';
import { SynthesisMetrics } from './synthesis.metrics.js';
import { SynthesisService } from './synthesis.service.js';

@Module({
  imports: [InferenceModule, ReferenceAudioModule],
  providers: [SynthesisService, SynthesisLimiter, SynthesisMetrics],
  exports: [SynthesisService],
})
export class SynthesisModule {}
