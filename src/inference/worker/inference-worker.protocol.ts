import type { PcmAudio } from '../../audio/audio.types.js';
import type { InferenceConfig } from '../../config/app-config.js';
import type { SynthesisInput, VoiceFeatures } from '../inference.types.js';

/**
 * The messages between the main thread and one inference worker. Every request carries an `id`
 * chosen by the main thread; every answer names it. Audio and feature arrays travel in the
 * transfer list (moved, not copied).
 */

/** What a worker thread is started with (`workerData`). */
export interface InferenceWorkerData {
  /** The settings of this worker: `threads` is already its share of the cores. */
  config: InferenceConfig;
}

/**
 * A synthesis request without what cannot cross threads (the signal, a text iterable): the text
 * is the whole text, or null when it follows in `text-piece` messages ended by `text-end`.
 */
export type WorkerSynthesisInput = Omit<SynthesisInput, 'text' | 'signal'> & {
  text: string | null;
};

/** How many chunks a worker may send ahead of what the consumer has taken. */
export const RUN_AHEAD_CHUNKS = 2;

export type MainToWorkerMessage =
  | { type: 'synthesize'; id: number; input: WorkerSynthesisInput }
  | { type: 'text-piece'; id: number; piece: string }
  | { type: 'text-end'; id: number }
  /** The text source failed: the run stops with this message. */
  | { type: 'text-error'; id: number; message: string }
  /** The consumer took `chunks` chunks: the worker may send that many more. */
  | { type: 'credit'; id: number; chunks: number }
  | { type: 'abort'; id: number }
  | { type: 'extract'; id: number; audio: PcmAudio }
  /** Fault drill: the thread exits at once (between two graph runs), as a crash would. */
  | { type: 'exit' }
  /** Fault drill: the thread's next graph run fails as on a lost GPU device. */
  | { type: 'gpu-device-loss-drill' };

/** How a request failed inside the worker, so the main thread can raise the same error class. */
export type WorkerErrorKind =
  'device-unavailable' | 'model-not-loaded' | 'input-rejected' | 'aborted' | 'engine';

/** An engine error as data (see worker-error.kind.ts): its kind and what its class carries. */
export interface WorkerError {
  kind: WorkerErrorKind;
  message: string;
  /** The request field at fault, for `input-rejected`. */
  field?: string;
  stack?: string;
}

export type WorkerToMainMessage =
  | { type: 'loaded'; device: string; testPack: boolean }
  /** `model-not-loaded`: the pack; any other kind: the device, the service must not boot. */
  | { type: 'load-failed'; error: WorkerError }
  | { type: 'chunk'; id: number; samples: Float32Array; modelSeconds: number }
  /** The run has ended and nothing of it runs any more. */
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; error: WorkerError }
  | { type: 'features'; id: number; features: VoiceFeatures; busySeconds: number }
  | { type: 'log'; level: WorkerLogLevel; context: string; message: string };

export type WorkerLogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose' | 'fatal';

/** The buffers of `features`, to transfer them with the message that carries them. */
export function featureBuffers(features: VoiceFeatures): ArrayBuffer[] {
  return [
    features.speakerEmbedding.buffer as ArrayBuffer,
    features.speechTokens.buffer as ArrayBuffer,
    features.promptMel.buffer as ArrayBuffer,
  ];
}
