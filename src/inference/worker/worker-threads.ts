import { availableParallelism } from 'node:os';
import type { InferenceConfig } from '../../config/app-config.js';

/**
 * The intra-op threads of each worker's sessions: INFERENCE_THREADS when set; otherwise, on the
 * CPU, the cores split evenly between the workers (at least one each); on a GPU onnxruntime's
 * default.
 */
export function threadsPerWorker(
  config: InferenceConfig,
  workers: number,
  cores = availableParallelism(),
): number {
  if (config.threads > 0 || config.device !== 'cpu') return config.threads;
  return Math.max(1, Math.floor(cores / workers));
}
