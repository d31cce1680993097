import { withoutInvisible } from '../synthesis/speech-text.js';
import {
  DEFAULT_VOLUME,
  MAX_SPEED,
  MIN_SPEED,
  bitRateKbps,
  DEFAULT_BIT_RATE,
  DEFAULT_SPEED,
} from '../synthesis/synthesis.constants.js';
import type { SynthesisRequest } from '../synthesis/synthesis-request.js';
import type { CreateOpenAiSpeechDto } from './dto/create-openai-speech.dto.js';
import { CONTENT_TYPES, DEFAULT_RESPONSE_FORMAT, OPENAI_SAMPLE_RATE } from './openai.constants.js';

/** The voice as the client named it: a string or the `id` of `{ "id": … }`. */
export function voiceOf(dto: CreateOpenAiSpeechDto): string {
  return (typeof dto.voice === 'string' ? dto.voice : dto.voice.id).trim();
}

/**
 * The one mapping of the validated OpenAI body to a SynthesisRequest, once the voice is known
 * as a reference audio id: `instructions` selects the instruct mode, no instructions zero-shot
 * cloning with the voice's transcript; `speed` is clamped from OpenAI's 0.25–4.0 to the model's
 * 0.5–2.0; the audio is 24 kHz and streamed; without SSE the client
 * collects one file, so its length is bounded (MAX_WHOLE_ANSWER_SECONDS). Every OpenAI model name means CosyVoice2-0.5B.
 */
export function toSynthesisRequest(
  dto: CreateOpenAiSpeechDto,
  referenceAudioId: string,
): SynthesisRequest {
  const instruct = dto.instructions?.trim() ?? '';
  return {
    transport: 'openai',
    mode: instruct === '' ? 'fast_replication' : 'natural_language_replication',
    text: withoutInvisible(dto.input),
    referenceAudioId,
    instruct: instruct === '' ? undefined : instruct,
    output: {
      format: dto.response_format ?? DEFAULT_RESPONSE_FORMAT,
      sampleRate: OPENAI_SAMPLE_RATE,
      bitRateKbps: bitRateKbps(DEFAULT_BIT_RATE),
      volume: DEFAULT_VOLUME,
    },
    speed: Math.min(MAX_SPEED, Math.max(MIN_SPEED, dto.speed ?? DEFAULT_SPEED)),
    seed: dto.seed ?? undefined,
    stream: true,
    wholeFile: dto.stream_format !== 'sse',
  };
}

/** The Content-Type of the audio the request asks for. */
export function contentTypeOf(dto: CreateOpenAiSpeechDto): string {
  return CONTENT_TYPES[dto.response_format ?? DEFAULT_RESPONSE_FORMAT];
}
