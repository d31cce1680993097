import { HttpStatus } from '@nestjs/common';
import { registerApiErrorTranslator } from '../common/api-error-translators.js';
import { ApiError } from '../common/api-error.js';
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
 * cannot use, an utterance longer than it can render); the message says what and why, `field`
 * names the request field at fault when one is (`instruct`, `text`).
 */
export class InputRejectedError extends Error {
  override name = 'InputRejectedError';

  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
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

/**
 * 503 ModelNotLoaded (Retry-After), 400 InvalidParameter with the reason, 500 EngineFailed (its
 * worker or engine node died), 503 ServerBusy with Retry-After (no engine node can take it).
 */
function engineErrorAsApiError(error: unknown): ApiError | undefined {
  if (error instanceof ModelNotLoadedError) return ApiError.modelNotLoaded(error.message);
  if (error instanceof InputRejectedError) {
    return ApiError.invalidParameter(error.message, error.field);
  }
  if (error instanceof EngineFailedError) return ApiError.engineFailed(error.message);
  if (error instanceof EngineUnavailableError) {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'ServerBusy', error.message, {
      retryAfter: error.retryAfterSeconds,
    });
  }
  return undefined;
}

registerApiErrorTranslator(engineErrorAsApiError);
