import type { OutputAudioFormat } from '../audio/audio.types.js';
import type { SynthesisMode } from '../inference/inference.types.js';

/**
 * How the audio leaves: `http` (one JSON answer, stream=false), `sse` (server-sent events,
 * stream=true), `websocket` (a duplex task) or `openai` (POST /v1/audio/speech).
 */
export type SynthesisTransport = 'http' | 'sse' | 'websocket' | 'openai';

/** How the audio is delivered: format, rate, MP3 bit rate and gain. */
export interface AudioOutput {
  format: OutputAudioFormat;
  sampleRate: number;
  bitRateKbps: number;
  volume: number;
}

/**
 * One synthesis as every transport's mapper hands it to SynthesisService: validated by the
 * transport's DTO and complete, with every default filled in.
 */
export interface SynthesisRequest {
  transport: SynthesisTransport;
  mode: SynthesisMode;
  /** The whole text, or pieces arriving over time (WebSocket duplex), spoken in order. */
  text: string | AsyncIterable<string>;
  referenceAudioId: string;
  /** The style instruction, set only in natural_language_replication. */
  instruct?: string;
  output: AudioOutput;
  speed: number;
  seed?: number;
  /** true: audio leaves as soon as the engine streams it; false: sentence by sentence. */
  stream: boolean;
  /**
   * true: the client gets the audio as one file (REST stream=false, OpenAI without SSE), so its
   * length is bounded by MAX_WHOLE_ANSWER_SECONDS, estimated before and measured while it runs.
   */
  wholeFile?: boolean;
}

/** What one encoded piece of a synthesis took and holds. */
export interface ChunkMetrics {
  /** Seconds of speech in this piece. */
  speechSeconds: number;
  /** Wall-clock seconds since the previous piece (or since the first text, for the first). */
  serverCostSeconds: number;
  /**
   * Wall-clock seconds the engine took to produce this piece's audio: from asking it for more
   * audio to receiving it, added up over the engine chunks in this piece. Encoding, sending and
   * waiting for the client are not in it, and the intervals never overlap, so the pieces of one
   * synthesis add up to at most its wall time, however many syntheses share the engine.
   */
  generateSeconds: number;
  /** Seconds from the first text to the first piece of audio of this synthesis. */
  firstPackageSeconds: number;
}

/** One piece of the encoded output; all pieces concatenated form one valid file. */
export interface EncodedAudioChunk {
  audio: Buffer;
  metrics: ChunkMetrics;
}
