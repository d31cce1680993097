import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { ReferenceAudioService } from '../reference-audio/reference-audio.service.js';
import type { EncodedAudioChunk } from '../synthesis/synthesis-request.js';
import { SynthesisService } from '../synthesis/synthesis.service.js';
import type { CreateOpenAiSpeechDto } from './dto/create-openai-speech.dto.js';
import { CONTENT_TYPES, DEFAULT_RESPONSE_FORMAT } from './openai.constants.js';
import { toSynthesisRequest, voiceOf } from './openai-speech.mapper.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A synthesis of POST /v1/audio/speech, admitted and running. */
export interface OpenAiSpeech {
  contentType: string;
  chunks: AsyncIterable<EncodedAudioChunk>;
}

/** Resolves the voice of an OpenAI request and starts its synthesis. */
@Injectable()
export class OpenAiSpeechService {
  constructor(
    private readonly referenceAudio: ReferenceAudioService,
    private readonly synthesis: SynthesisService,
  ) {}

  async start(dto: CreateOpenAiSpeechDto, signal: AbortSignal): Promise<OpenAiSpeech> {
    const referenceAudioId = await this.referenceAudioIdOf(voiceOf(dto));
    const chunks = await this.synthesis.start(toSynthesisRequest(dto, referenceAudioId), signal);
    return { contentType: CONTENT_TYPES[dto.response_format ?? DEFAULT_RESPONSE_FORMAT], chunks };
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
        );
      }
      throw error;
    }
  }
}
