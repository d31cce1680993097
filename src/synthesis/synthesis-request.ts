import type { OutputAudioFormat } from '../audio/audio.types.js';

/**
 * How the audio leaves: `http` (one JSON answer, stream=false), `sse` (server-sent events,
 * stream=true), `websocket` (a duplex task) or `openai` (POST /v1/audio/speech).
 */
export type SynthesisTransport = 'http' | 'sse' | 'websocket' | 'openai';

/** One synthesis as both transports describe it to SynthesisService. */
export interface SynthesisRequest {
  transport: SynthesisTransport;
  /** `CosyVoice2-0.5B` or its alias `cosyvoice-v2`. */
  model: string;
  /** fast_replication, cross_lingual_replication or natural_language_replication. */
  mode: string;
  /** The whole text, or pieces arriving over time (WebSocket duplex), spoken in order. */
  text: string | AsyncIterable<string>;
  referenceAudioId: string;
  instruct?: string;
  sampleRate?: number;
  /** MP3 bit rate such as `192k`. */
  bitRate?: string;
  volume?: number;
  speed?: number;
  outputFormat?: OutputAudioFormat;
  seed?: number;
  /** true: audio leaves as soon as the engine streams it; false: sentence by sentence. */
  stream: boolean;
}

/** What one encoded piece of a synthesis took and holds. */
export interface ChunkMetrics {
  /** Seconds of speech in this piece. */
  speechSeconds: number;
  /** Wall-clock seconds since the previous piece (or since the first text, for the first). */
  serverCostSeconds: number;
  /** Seconds of model (engine) time spent on this piece. */
  modelSeconds: number;
  /** Seconds from the first text to the first piece of audio of this synthesis. */
  firstPackageSeconds: number;
}

/** One piece of the encoded output; all pieces concatenated form one valid file. */
export interface EncodedAudioChunk {
  audio: Buffer;
  metrics: ChunkMetrics;
}
