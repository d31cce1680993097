import { Module } from '@nestjs/common';
import { SynthesisModule } from '../synthesis/synthesis.module.js';
import { SpeechTaskGateway } from './speech-task.gateway.js';

@Module({
  imports: [SynthesisModule],
  providers: [SpeechTaskGateway],
})
export class RealtimeModule {}
