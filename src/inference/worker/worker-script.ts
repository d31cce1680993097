import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker entry `fileName` (without extension) next to the module `base` (this one by
 * default): the compiled `.js` in a build, or, when the service runs from its TypeScript sources
 * (vitest, tsx), the `.ts` file through a small bootstrap that registers tsx in the new thread
 * first.
 */
export function startWorkerScript(
  fileName: string,
  workerData: object,
  options: Omit<WorkerOptions, 'workerData'> = {},
  base: string = import.meta.url,
): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL(`./${fileName}.ts`, base).href;
    return new Worker(new URL('./typescript-worker.bootstrap.mjs', import.meta.url), {
      ...options,
      workerData: { ...workerData, entry },
    });
  }
  return new Worker(new URL(`./${fileName}.js`, base), { ...options, workerData });
}
