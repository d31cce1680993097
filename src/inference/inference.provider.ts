import type { PcmAudio } from '../audio/audio.types.js';
import type { EngineNodeUsage } from './engine-fleet/engine-node.client.js';
import type {
  InferenceStatus,
  InferenceWorkerUsage,
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from './inference.types.js';

/** Injection token of the active InferenceProvider. */
export const INFERENCE_PROVIDER = Symbol('INFERENCE_PROVIDER');

/**
 * What the rest of the service knows about speech generation. The CosyVoice2 ONNX engine
 * implements it; tests or a remote backend can provide another implementation.
 */
export interface InferenceProvider {
  status(): InferenceStatus;
  /** Computes the per-voice features once (at upload). Throws ModelNotLoadedError if not loaded. */
  extractVoiceFeatures(audio: PcmAudio, signal?: AbortSignal): Promise<VoiceFeatures>;
  /** Yields 24 kHz speech chunks in order; stops promptly when `input.signal` aborts. */
  synthesize(input: SynthesisInput): AsyncIterable<SpeechChunk>;
  /** Per worker thread, when the provider runs the model in workers (for /metrics). */
  workerUsage?(): InferenceWorkerUsage[];
  /** Per engine node, when the provider dispatches to engine nodes (for /metrics). */
  engineNodeUsage?(): EngineNodeUsage[];
}

/** Raised by a provider whose model pack is missing or broken. */
export class ModelNotLoadedError extends Error {
  override name = 'ModelNotLoadedError';
}

/**
 * Raised when the provider refuses its input as beyond what the model can take (prompt audio it
 * cannot use, an utterance longer than it can render); the message says what and why.
 */
export class InputRejectedError extends Error {
  override name = 'InputRejectedError';
}

/**
 * Raised for the requests of an inference worker that died (native crash, out of memory, an
 * uncaught exception); the worker is replaced, so a retry can succeed.
 */
export class EngineFailedError extends Error {
  override name = 'EngineFailedError';
}

/**
 * Raised when no engine node can take a synthesis now (none is ready, or every one is busy past
 * the queue wait): the client is asked to retry after `retryAfterSeconds`.
 */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
