import type { InferenceDevice } from '../../config/app-config.js';
import { GraphRunError } from '../cosyvoice2/runtime/graph-run.error.js';
import type { PostToMain } from './worker-synthesis.run.js';

/**
 * On a GPU device, a graph run that onnxruntime failed (a lost device, a device error) leaves the
 * device in an unknown state: the worker thread exits, so every request it runs fails with
 * EngineFailed and the pool replaces it with a thread that creates its device and sessions anew.
 * On the CPU such an error fails only its own request. Call before answering a failed request;
 * it returns only when the worker goes on.
 */
export function exitOnGpuGraphFailure(
  device: InferenceDevice,
  error: unknown,
  post: PostToMain,
): void {
  if (device === 'cpu' || !(error instanceof GraphRunError)) return;
  post({
    type: 'log',
    level: 'error',
    context: 'InferenceWorker',
    message:
      `a graph run failed on the ${device} device (${error.message}): ` +
      'this worker ends, its requests fail with EngineFailed and a new worker re-creates its sessions',
  });
  process.exit(1);
}
