import { ExecutionDeviceUnavailableError } from '../execution-device-unavailable.error.js';
import { InputRejectedError, ModelNotLoadedError } from '../inference.provider.js';
import type { WorkerError } from './inference-worker.protocol.js';

/**
 * How an error thrown by the engine inside a worker crosses to the main thread: structured clone
 * keeps no class, so the error travels as its kind plus the data its class carries.
 */
export function toWorkerError(error: unknown, aborted: boolean): WorkerError {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  if (aborted) return { kind: 'aborted', message, stack };
  if (error instanceof ExecutionDeviceUnavailableError) {
    return { kind: 'device-unavailable', message, stack };
  }
  if (error instanceof ModelNotLoadedError) return { kind: 'model-not-loaded', message, stack };
  if (error instanceof InputRejectedError) {
    return { kind: 'input-rejected', message, field: error.field, stack };
  }
  return { kind: 'engine', message, stack };
}

/** The main thread's typed error for a request that failed inside a worker. */
export function fromWorkerError({ kind, message, field, stack }: WorkerError): Error {
  const error =
    kind === 'device-unavailable'
      ? new ExecutionDeviceUnavailableError(message)
      : kind === 'model-not-loaded'
        ? new ModelNotLoadedError(message)
        : kind === 'input-rejected'
          ? new InputRejectedError(message, field)
          : new Error(message);
  if (stack) error.stack = stack;
  return error;
}
