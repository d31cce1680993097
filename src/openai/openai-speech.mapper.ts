import { MAX_SPEED, MIN_SPEED, MODEL_NAME } from '../synthesis/synthesis.constants.js';
import type { SynthesisRequest } from '../synthesis/synthesis-request.js';
import type { CreateOpenAiSpeechDto } from './dto/create-openai-speech.dto.js';
import {
  DEFAULT_RESPONSE_FORMAT,
  OPENAI_MODEL_ALIASES,
  OPENAI_SAMPLE_RATE,
} from './openai.constants.js';

/** The voice as the client named it: a string or the `id` of `{ "id": … }`. */
export function voiceOf(dto: CreateOpenAiSpeechDto): string {
  return (typeof dto.voice === 'string' ? dto.voice : dto.voice.id).trim();
}

/**
 * The one mapping of the OpenAI body to a SynthesisRequest, once the voice is known as a
 * reference audio id: the OpenAI model names become CosyVoice2-0.5B; `instructions` selects
 * the instruct mode, no instructions zero-shot cloning with the voice's transcript; `speed` is
 * clamped from OpenAI's 0.25–4.0 to the model's 0.5–2.0; the audio is 24 kHz and streamed.
 */
export function toSynthesisRequest(
  dto: CreateOpenAiSpeechDto,
  referenceAudioId: string,
): SynthesisRequest {
  const instruct = dto.instructions?.trim() ?? '';
  return {
    transport: 'openai',
    model: OPENAI_MODEL_ALIASES.includes(dto.model) ? MODEL_NAME : dto.model,
    mode: instruct === '' ? 'fast_replication' : 'natural_language_replication',
    text: dto.input,
    referenceAudioId,
    instruct: instruct === '' ? undefined : instruct,
    sampleRate: OPENAI_SAMPLE_RATE,
    speed:
      dto.speed === undefined ? undefined : Math.min(MAX_SPEED, Math.max(MIN_SPEED, dto.speed)),
    outputFormat: dto.response_format ?? DEFAULT_RESPONSE_FORMAT,
    seed: dto.seed,
    stream: true,
  };
}
