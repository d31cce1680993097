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

/** What a piscina pool needs to run the worker entry `fileName` (see `startWorkerScript`). */
export interface PoolWorkerScript {
  filename: string;
  workerData?: { entry: string };
}

/**
 * The file a piscina pool loads for the worker entry `fileName` (without extension) next to the
 * module `base`, whose default export is the task function: the compiled `.js` in a build, or,
 * from TypeScript sources, a bootstrap that registers tsx and hands on the `.ts` entry's export.
 */
export function poolWorkerScript(fileName: string, base: string): PoolWorkerScript {
  if (import.meta.url.endsWith('.ts')) {
    return {
      filename: new URL('./typescript-pool-worker.bootstrap.mjs', import.meta.url).href,
      workerData: { entry: new URL(`./${fileName}.ts`, base).href },
    };
  }
  return { filename: new URL(`./${fileName}.js`, base).href };
}
