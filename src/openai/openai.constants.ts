import type { OutputAudioFormat } from '../audio/audio.types.js';
import { MODEL_ALIASES, MODEL_NAME } from '../synthesis/synthesis.constants.js';

/** Model names OpenAI clients send by default; each one means CosyVoice2-0.5B. */
export const OPENAI_MODEL_ALIASES: readonly string[] = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'];

/** Every `model` POST /v1/audio/speech accepts. */
export const OPENAI_MODELS: readonly string[] = [...MODEL_ALIASES, ...OPENAI_MODEL_ALIASES];

/** The models GET /v1/models lists: the real one first, then the aliases. */
export const LISTED_MODELS: readonly string[] = [MODEL_NAME, ...OPENAI_MODEL_ALIASES];

export const DEFAULT_RESPONSE_FORMAT: OutputAudioFormat = 'mp3';

export const CONTENT_TYPES: Record<OutputAudioFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg; codecs=opus',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

export const STREAM_FORMATS = ['audio', 'sse'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/** OpenAI's range of `speed`; values inside it are clamped to the model's 0.5–2.0. */
export const OPENAI_MIN_SPEED = 0.25;
export const OPENAI_MAX_SPEED = 4.0;

/** Every response of this API is 24 kHz, the engine's rate (OpenAI's `pcm` is 24 kHz too). */
export const OPENAI_SAMPLE_RATE = 24000;

/**
 * OpenAI's preset voice names. OPENAI_DEFAULT_VOICE answers for these (when not aliased and no
 * stored voice has the name), never for any other unknown name: a typo of a stored voice's name
 * stays a 404.
 */
export const OPENAI_PRESET_VOICES: readonly string[] = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'nova',
  'onyx',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
];
