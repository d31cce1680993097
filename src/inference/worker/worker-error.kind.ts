import { InputRejectedError, ModelNotLoadedError } from '../inference.provider.js';
import type { WorkerErrorKind } from './inference-worker.protocol.js';

/** How an error thrown by the engine inside a worker is reported to the main thread. */
export function workerErrorKind(error: unknown, aborted: boolean): WorkerErrorKind {
  if (aborted) return 'aborted';
  if (error instanceof ModelNotLoadedError) return 'model-not-loaded';
  if (error instanceof InputRejectedError) return 'input-rejected';
  return 'engine';
}

/** The main thread's error for a request that failed inside a worker with `kind`. */
export function errorOfKind(kind: WorkerErrorKind, message: string, stack?: string): Error {
  const error =
    kind === 'model-not-loaded'
      ? new ModelNotLoadedError(message)
      : kind === 'input-rejected'
        ? new InputRejectedError(message)
        : new Error(message);
  if (stack) error.stack = stack;
  return error;
}
