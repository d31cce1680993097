/** The three synthesis modes of the API (`input.mode`). */
export type SynthesisMode =
  'fast_replication' | 'cross_lingual_replication' | 'natural_language_replication';

/**
 * The engine's own inference modes (CosyVoice2's zero-shot, cross-lingual and instruct2), as the
 * `Mode` enum of proto/cosyvoice2/engine/v1/engine.proto names them (lower case): the API's modes
 * are mapped onto these once, in the synthesis use case.
 */
export const ENGINE_MODES = ['zero_shot', 'cross_lingual', 'instruct2'] as const;
export type EngineMode = (typeof ENGINE_MODES)[number];

/** Mel bins per frame of `VoiceFeatures.promptMel`. */
export const PROMPT_MEL_BINS = 80;

/**
 * Everything the engine needs from one reference voice, computed once at upload and stored.
 * Token/mel alignment is already applied: promptMelFrames === 2 * speechTokens.length.
 */
export interface VoiceFeatures {
  /** CAM++ speaker embedding, 192 floats. */
  speakerEmbedding: Float32Array;
  /** Prompt speech tokens (25 Hz), values 0..6560. */
  speechTokens: Int32Array;
  /** Prompt mel, row-major [frames, 80] at 50 Hz (24 kHz Matcha mel). */
  promptMel: Float32Array;
  promptMelFrames: number;
}

/**
 * One synthesis in the engine's own terms: the request value of the in-process path and, field
 * for field, the `SynthesisRequest` message that carries it to an engine node.
 */
export interface SynthesisInput {
  mode: EngineMode;
  /**
   * Text to speak: a whole string, or pieces arriving over time (WebSocket duplex),
   * which the engine synthesises as they arrive.
   */
  text: string | AsyncIterable<string>;
  /** Transcript of the reference audio (used by zero_shot). */
  promptText: string;
  /** Style instruction (instruct2). */
  instruct?: string;
  voice: VoiceFeatures;
  /** 0.5..2.0 */
  speed: number;
  /** Stream chunk by chunk (true) or yield the whole utterance per sentence (false). */
  stream: boolean;
  /** Makes sampling reproducible. */
  seed?: number;
  signal?: AbortSignal;
}

/** One piece of generated speech: 24 kHz mono float PCM in [-0.99, 0.99]. */
export interface SpeechChunk {
  samples: Float32Array;
  /** Seconds spent in model sessions for this chunk. */
  modelSeconds: number;
}

export interface InferenceStatus {
  loaded: boolean;
  /** Execution provider actually used: "cpu", "cuda" or "webgpu". */
  device?: string;
  /** Why the model is not loaded (missing file, wrong input name, ...) and how to fix it. */
  error?: string;
  /** The loaded pack is a test pack (tiny or random weights): its audio is not speech. */
  testPack: boolean;
  /** The inference worker threads: how many there are, have loaded the pack, are restarting. */
  workers?: { total: number; loaded: number; restarting: number };
  /** The engine nodes, when synthesis runs on them (ENGINE_NODES). */
  fleet?: { nodes: number; ready: number; slotsFree: number; slotsTotal: number };
}

/** What one inference worker slot has done so far (a replaced thread keeps its slot). */
export interface InferenceWorkerUsage {
  /** Slot number, 0-based. */
  worker: number;
  activeSyntheses: number;
  /** Seconds spent in model sessions since the service started. */
  busySeconds: number;
  /** How often this slot's thread died and was replaced. */
  restarts: number;
}

export const ENGINE_SAMPLE_RATE = 24000;
