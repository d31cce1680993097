import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { ReferenceAudioService } from '../reference-audio/reference-audio.service.js';
import type { SynthesisHandle } from '../synthesis/synthesis.handle.js';
import { SynthesisService } from '../synthesis/synthesis.service.js';
import type { CreateOpenAiSpeechDto } from './dto/create-openai-speech.dto.js';
import { toSynthesisRequest, voiceOf } from './openai-speech.mapper.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resolves the voice of an OpenAI request and opens its synthesis. */
@Injectable()
export class OpenAiSpeechService {
  constructor(
    private readonly referenceAudio: ReferenceAudioService,
    private readonly synthesis: SynthesisService,
  ) {}

  async open(dto: CreateOpenAiSpeechDto, signal: AbortSignal): Promise<SynthesisHandle> {
    const referenceAudioId = await this.referenceAudioIdOf(voiceOf(dto));
    return this.synthesis.open(toSynthesisRequest(dto, referenceAudioId), signal);
  }

  /**
   * The id of the stored reference audio a `voice` means: its id (a UUID) or its name (names
   * never look like ids). 404 when there is none.
   */
  private async referenceAudioIdOf(voice: string): Promise<string> {
    try {
      const found = UUID.test(voice)
        ? await this.referenceAudio.get(voice)
        : await this.referenceAudio.getByName(voice);
      return found.id;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NotFound') {
        throw ApiError.notFound(
          `voice ${JSON.stringify(voice)} not found: use the id or the name of a stored ` +
            'reference audio (GET /v1/audio/voices lists them)',
          'voice',
        );
      }
      throw error;
    }
  }
}
