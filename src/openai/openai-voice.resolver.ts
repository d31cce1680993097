import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { APP_CONFIG, AppConfig, OpenAiVoiceConfig } from '../config/app-config.js';
import type { ReferenceAudioDto } from '../reference-audio/dto/reference-audio.dto.js';
import { voiceNameKey } from '../reference-audio/dto/upload-reference-audio.dto.js';
import { ReferenceAudioService } from '../reference-audio/reference-audio.service.js';
import { OPENAI_PRESET_VOICES } from './openai.constants.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What an OpenAI `voice` means, in this order: a stored voice's id; a stored voice's name (any
 * case); an alias of OPENAI_VOICE_ALIASES; for one of OpenAI's preset names, OPENAI_DEFAULT_VOICE.
 * Anything else is a 404 that says which of these was tried.
 */
@Injectable()
export class OpenAiVoiceResolver {
  private readonly settings: OpenAiVoiceConfig;

  constructor(
    private readonly referenceAudio: ReferenceAudioService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = config.openai;
  }

  /** The id of the stored reference audio `voice` means; 404 when there is none. */
  async referenceAudioIdOf(voice: string): Promise<string> {
    const stored = await this.findStored(voice);
    if (stored) return stored.id;
    const key = voiceNameKey(voice);
    const alias = this.settings.voiceAliases.get(key);
    if (alias !== undefined) {
      return this.idOfSetting(voice, alias, 'OPENAI_VOICE_ALIASES');
    }
    if (OPENAI_PRESET_VOICES.includes(key)) {
      if (this.settings.defaultVoice !== undefined) {
        return this.idOfSetting(voice, this.settings.defaultVoice, 'OPENAI_DEFAULT_VOICE');
      }
      throw ApiError.notFound(
        `voice ${JSON.stringify(voice)} not found: it is one of OpenAI's voice names, which ` +
          'mean a voice here only when a stored reference audio has that name, ' +
          'OPENAI_VOICE_ALIASES maps it or OPENAI_DEFAULT_VOICE is set ' +
          '(GET /v1/audio/voices lists the voices)',
        'voice',
      );
    }
    throw ApiError.notFound(
      `voice ${JSON.stringify(voice)} not found: use the id or the name of a stored ` +
        'reference audio (GET /v1/audio/voices lists them)',
      'voice',
    );
  }

  /**
   * Every value that works as `voice` right now, each once: a named voice by its name, a voice
   * without one by its id, then each alias whose voice is stored.
   */
  async workingVoices(stored: ReferenceAudioDto[]): Promise<string[]> {
    const values = stored.map((voice) => voice.name ?? voice.id);
    const taken = new Set(values);
    for (const [alias, target] of this.settings.voiceAliases) {
      if (!taken.has(alias) && (await this.findStored(target))) {
        values.push(alias);
        taken.add(alias);
      }
    }
    return values;
  }

  /** The stored voice with this id or name, or undefined. */
  private async findStored(voice: string): Promise<ReferenceAudioDto | undefined> {
    try {
      return UUID.test(voice)
        ? await this.referenceAudio.get(voice)
        : await this.referenceAudio.getByName(voice);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  /** The voice a setting names; 404 saying which setting names a voice that is not stored. */
  private async idOfSetting(voice: string, target: string, setting: string): Promise<string> {
    const found = await this.findStored(target);
    if (found) return found.id;
    throw ApiError.notFound(
      `voice ${JSON.stringify(voice)} not found: ${setting} maps it to ` +
        `${JSON.stringify(target)}, which is not the id or name of a stored reference audio`,
      'voice',
    );
  }
}
