import { Injectable } from '@nestjs/common';
import type { SynthesisHandle } from '../synthesis/synthesis.handle.js';
import { SynthesisService } from '../synthesis/synthesis.service.js';
import type { CreateOpenAiSpeechDto } from './dto/create-openai-speech.dto.js';
import { toSynthesisRequest, voiceOf } from './openai-speech.mapper.js';
import { OpenAiVoiceResolver } from './openai-voice.resolver.js';

/** Resolves the voice of an OpenAI request and opens its synthesis. */
@Injectable()
export class OpenAiSpeechService {
  constructor(
    private readonly voices: OpenAiVoiceResolver,
    private readonly synthesis: SynthesisService,
  ) {}

  async open(dto: CreateOpenAiSpeechDto, signal: AbortSignal): Promise<SynthesisHandle> {
    const referenceAudioId = await this.voices.referenceAudioIdOf(voiceOf(dto));
    return this.synthesis.open(toSynthesisRequest(dto, referenceAudioId), signal);
  }
}
