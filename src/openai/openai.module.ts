import { Module } from '@nestjs/common';
import { ReferenceAudioModule } from '../reference-audio/reference-audio.module.js';
import { SynthesisModule } from '../synthesis/synthesis.module.js';
import { OpenAiCatalogController } from './openai-catalog.controller.js';
import { OpenAiCatalogService } from './openai-catalog.service.js';
import { OpenAiSpeechController } from './openai-speech.controller.js';
import { OpenAiSpeechService } from './openai-speech.service.js';

/** The OpenAI-compatible API: POST /v1/audio/speech, GET /v1/models, /v1/audio/voices. */
@Module({
  imports: [ReferenceAudioModule, SynthesisModule],
  controllers: [OpenAiSpeechController, OpenAiCatalogController],
  providers: [OpenAiSpeechService, OpenAiCatalogService],
})
export class OpenAiModule {}
