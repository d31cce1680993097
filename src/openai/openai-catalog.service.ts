import { Injectable } from '@nestjs/common';
import { MAX_LIST_LIMIT } from '../reference-audio/dto/list-reference-audio.query.dto.js';
import { ReferenceAudioService } from '../reference-audio/reference-audio.service.js';
import { LISTED_MODELS } from './openai.constants.js';
import { OpenAiVoiceResolver } from './openai-voice.resolver.js';

/** One model of GET /v1/models, in OpenAI's model object shape. */
export interface OpenAiModel {
  id: string;
  object: 'model';
  /** Unix seconds; a fixed date, the release of CosyVoice2-0.5B (December 2024). */
  created: number;
  owned_by: string;
}

/**
 * One voice of GET /v1/audio/voices: what Open WebUI and similar clients read. Both fields hold
 * the value to send as `voice` (Open WebUI sends `id` and shows `name`).
 */
export interface OpenAiVoice {
  /** A voice's name; its id when it has none; or an alias of OPENAI_VOICE_ALIASES. */
  id: string;
  /** The same value. */
  name: string;
}

const MODEL_CREATED = 1733961600;

/** The models and voices an OpenAI-compatible client can pick from. */
@Injectable()
export class OpenAiCatalogService {
  constructor(
    private readonly referenceAudio: ReferenceAudioService,
    private readonly voiceResolver: OpenAiVoiceResolver,
  ) {}

  models(): OpenAiModel[] {
    return LISTED_MODELS.map((id) => ({
      id,
      object: 'model',
      created: MODEL_CREATED,
      owned_by: 'cosyvoice2-service',
    }));
  }

  /**
   * Every value that works as `voice`: the stored voices oldest first (at most MAX_LIST_LIMIT),
   * then the aliases whose voice is stored.
   */
  async voices(): Promise<OpenAiVoice[]> {
    const stored = await this.referenceAudio.list({ limit: MAX_LIST_LIMIT, order: 'asc' });
    const values = await this.voiceResolver.workingVoices(stored);
    return values.map((value) => ({ id: value, name: value }));
  }
}
