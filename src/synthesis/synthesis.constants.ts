import type { OutputAudioFormat } from '../audio/audio.types.js';
import { MAX_MP3_BIT_RATE_KBPS, MPEG_SAMPLE_RATES } from '../audio/mp3-output-settings.js';
import type { SynthesisMode } from '../inference/inference.types.js';

/** The model name of the REST API and the alias the WebSocket clients send. */
export const MODEL_NAME = 'CosyVoice2-0.5B';
export const MODEL_ALIASES: readonly string[] = [MODEL_NAME, 'cosyvoice-v2'];

export const SYNTHESIS_MODES: readonly SynthesisMode[] = [
  'fast_replication',
  'cross_lingual_replication',
  'natural_language_replication',
];

/** `opus` (in Ogg) and `flac` are extensions of the source document's three formats. */
export const OUTPUT_FORMATS: readonly OutputAudioFormat[] = ['wav', 'mp3', 'pcm', 'opus', 'flac'];

/** MP3 bit rates of the API; 384k is encoded at the MP3 maximum of 320 kbit/s. */
export const BIT_RATES = ['16k', '32k', '48k', '64k', '128k', '192k', '256k', '320k', '384k'];

/** Output sample rates MP3 (MPEG-1/2/2.5 layer III) can carry. */
export const MP3_SAMPLE_RATES: readonly number[] = MPEG_SAMPLE_RATES;

export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 48000;
export const MIN_SPEED = 0.5;
export const MAX_SPEED = 2.0;
export const MAX_VOLUME = 10;
/** Largest `seed` (a 31-bit integer, so every client language can carry it). */
export const MAX_SEED = 2 ** 31 - 1;

export const DEFAULT_SAMPLE_RATE = 24000;
export const DEFAULT_BIT_RATE = '192k';
export const DEFAULT_VOLUME = 1.0;
export const DEFAULT_SPEED = 1.0;
export const DEFAULT_OUTPUT_FORMAT: OutputAudioFormat = 'wav';

/** `'192k'` → 192; `'384k'` → 320 (the MP3 maximum). */
export function bitRateKbps(bitRate: string): number {
  return Math.min(Number.parseInt(bitRate, 10), MAX_MP3_BIT_RATE_KBPS);
}
