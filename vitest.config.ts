import swc from 'unplugin-swc';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * One tier of the suite: a folder of test/ and whether its files may run at the same time. The
 * parallel tiers run together first, the one-after-another tier after them (`groupOrder`), so
 * its timing-sensitive files never share the CPU with other test files.
 */
function tier(name: string, fileParallelism: boolean, globalSetup: string[] = []) {
  return {
    extends: true,
    test: {
      name,
      include: [`test/${name}/**/*.spec.ts`],
      fileParallelism,
      globalSetup: ['test/global-setup.ts', ...globalSetup],
      sequence: { groupOrder: fileParallelism ? 0 : 1 },
    },
  } satisfies TestProjectInlineConfiguration;
}

/**
 * The tiers (README "Tests"): `unit`, `engine` (the engine without the app) and `in-process` (the
 * whole app through `app.inject()`, fake engine, in-memory SQLite) run their files in parallel;
 * `e2e` (a real port, MariaDB, Redis, storage, processes) runs its files one after another, with
 * `dist/` built once per run for the files that start `node dist/main.js`.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      tier('unit', true),
      tier('engine', true),
      tier('in-process', true),
      tier('e2e', false, ['test/build-service.global-setup.ts']),
    ],
  },
});
