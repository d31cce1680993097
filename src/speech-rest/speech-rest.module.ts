import { Module } from '@nestjs/common';
import { SynthesisModule } from '../synthesis/synthesis.module.js';
import { SynthesisController } from './synthesis.controller.js';

/** The managed API's REST transport: POST /api/v1/audio/speech (JSON and SSE). */
@Module({
  imports: [SynthesisModule],
  controllers: [SynthesisController],
})
export class SpeechRestModule {}
