import { Module } from '@nestjs/common';
import { SynthesisModule } from '../synthesis/synthesis.module.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import { SpeechTaskGateway } from './speech-task.gateway.js';

@Module({
  imports: [SynthesisModule],
  providers: [SpeechTaskGateway, RealtimeMetrics],
})
export class RealtimeModule {}
