import { Module, OnModuleInit } from '@nestjs/common';
import { ErrorBodyFraming } from '../common/error-body-framing.js';
import { ReferenceAudioModule } from '../reference-audio/reference-audio.module.js';
import { SynthesisModule } from '../synthesis/synthesis.module.js';
import { OpenAiCatalogController } from './openai-catalog.controller.js';
import { OpenAiCatalogService } from './openai-catalog.service.js';
import { OpenAiSpeechController } from './openai-speech.controller.js';
import { OpenAiSpeechService } from './openai-speech.service.js';
import { toOpenAiError } from './openai-error.js';
import { OpenAiVoiceResolver } from './openai-voice.resolver.js';

/** The OpenAI-compatible API: POST /v1/audio/speech, GET /v1/models, /v1/audio/voices. */
@Module({
  imports: [ReferenceAudioModule, SynthesisModule],
  controllers: [OpenAiSpeechController, OpenAiCatalogController],
  providers: [OpenAiSpeechService, OpenAiCatalogService, OpenAiVoiceResolver],
})
export class OpenAiModule implements OnModuleInit {
  constructor(private readonly framing: ErrorBodyFraming) {}

  /** Every error of a /v1 route (token, rate limit, bad JSON, synthesis) in OpenAI's shape. */
  onModuleInit(): void {
    this.framing.register('/v1/', toOpenAiError);
  }
}
