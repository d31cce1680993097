import swc from 'unplugin-swc';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * End-to-end files that run alone, one after another, after every other file of the run: each
 * compares elapsed time, latency or memory with a bound or with a measurement taken in the same
 * test, which another file running beside it on the same cores would distort. Every other file of
 * test/e2e (a new one too) runs in the parallel e2e group: a file that measures time, memory or
 * load belongs here (README "Test tiers"). The one exception, on purpose: webgpu-service's warm-up
 * check (two identical requests back to back, a bound of 1.5 against 1.25 measured under heavy
 * load), which alone would add its two minutes on SwiftShader to the suite.
 */
export const SERIAL_E2E_FILES = [
  // the requests of a hung database are answered within seconds
  'database-outage',
  // a SIGSTOPped engine node is detected within seconds
  'engine-nodes',
  // grace periods and signals against elapsed time
  'graceful-shutdown',
  // /health latency against a graph run measured in the same test
  'inference-workers-app',
  // upload latencies against a baseline measured in the same test
  'reference-audio-admission',
  // the memory held by admitted bodies (RSS growth)
  'request-admission',
  // heap growth after a full GC over the fuzzer's sequences
  'realtime-ws-protocol-fuzz',
  // queue waits against elapsed time
  'synthesis-slots',
].map((name) => `test/e2e/${name}.spec.ts`);

/**
 * Test files of the parallel groups at the same time: with 2 cores vitest would take 1 (one per
 * core, less one for itself), and most files of these tiers wait on boots, sockets and databases
 * more than they compute.
 */
const PARALLEL_FILES = 2;

interface Tier {
  /** The project name (`--project <name>`). */
  name: string;
  include: string[];
  exclude?: string[];
  /** Files of this tier at the same time (1: one after another). */
  maxWorkers: number;
  /** Tiers of a lower order finish before the next order starts (`sequence.groupOrder`). */
  groupOrder: number;
  globalSetup?: string[];
}

function tier({ name, include, exclude = [], maxWorkers, groupOrder, globalSetup = [] }: Tier) {
  return {
    extends: true,
    test: {
      name,
      include,
      exclude,
      maxWorkers,
      fileParallelism: maxWorkers > 1,
      globalSetup: ['test/global-setup.ts', ...globalSetup],
      sequence: { groupOrder },
    },
  } satisfies TestProjectInlineConfiguration;
}

const BUILD_SERVICE = ['test/build-service.global-setup.ts'];

/**
 * The tiers (README "Test tiers"), in three groups that run one after the other:
 * 1. `unit`, `engine` (the engine without the app) and `in-process` (the whole app through
 *    `app.inject()`, fake engine, in-memory SQLite), files in parallel;
 * 2. `e2e` (a real port, MariaDB, Redis, storage, processes), files in parallel: each file has
 *    its own databases, ports, storage directories and temporary folders;
 * 3. `e2e-serial`: SERIAL_E2E_FILES, one after another, with nothing else running.
 * `dist/` is built once per run for the e2e files that start `node dist/main.js`.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      ...['unit', 'engine', 'in-process'].map((name) =>
        tier({
          name,
          include: [`test/${name}/**/*.spec.ts`],
          maxWorkers: PARALLEL_FILES,
          groupOrder: 0,
        }),
      ),
      tier({
        name: 'e2e',
        include: ['test/e2e/**/*.spec.ts'],
        exclude: SERIAL_E2E_FILES,
        maxWorkers: PARALLEL_FILES,
        groupOrder: 1,
        globalSetup: BUILD_SERVICE,
      }),
      tier({
        name: 'e2e-serial',
        include: SERIAL_E2E_FILES,
        maxWorkers: 1,
        groupOrder: 2,
        globalSetup: BUILD_SERVICE,
      }),
    ],
  },
});
