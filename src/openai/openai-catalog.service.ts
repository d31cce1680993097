import { Injectable } from '@nestjs/common';
import { MAX_LIST_LIMIT } from '../reference-audio/dto/list-reference-audio.query.dto.js';
import { ReferenceAudioService } from '../reference-audio/reference-audio.service.js';
import { LISTED_MODELS } from './openai.constants.js';

/** One model of GET /v1/models, in OpenAI's model object shape. */
export interface OpenAiModel {
  id: string;
  object: 'model';
  /** Unix seconds; a fixed date, the release of CosyVoice2-0.5B (December 2024). */
  created: number;
  owned_by: string;
}

/** One voice of GET /v1/audio/voices: what Open WebUI and similar clients read. */
export interface OpenAiVoice {
  /** The reference audio id; send it (or the voice's name) as `voice`. */
  id: string;
  /** A label to show: the voice's name, or the file name of the upload when it has none. */
  name: string;
}

const MODEL_CREATED = 1733961600;

/** The models and voices an OpenAI-compatible client can pick from. */
@Injectable()
export class OpenAiCatalogService {
  constructor(private readonly referenceAudio: ReferenceAudioService) {}

  models(): OpenAiModel[] {
    return LISTED_MODELS.map((id) => ({
      id,
      object: 'model',
      created: MODEL_CREATED,
      owned_by: 'cosyvoice2-service',
    }));
  }

  /** The stored reference audios, oldest first (at most MAX_LIST_LIMIT). */
  async voices(): Promise<OpenAiVoice[]> {
    const voices = await this.referenceAudio.list({ limit: MAX_LIST_LIMIT, order: 'asc' });
    return voices.map((voice) => ({ id: voice.id, name: voice.name ?? voice.filename }));
  }
}
