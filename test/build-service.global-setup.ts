import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPOSITORY_DIR } from './support/compose-project.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory `buildService()` compiles `dist/` into, once per run (see service-process.ts). */
    serviceBuildDir: string;
  }
}

/**
 * The run's build directory, shared by the projects that name this setup (`e2e`, `e2e-serial`):
 * vitest imports a global setup once per project, into the one process of the run.
 */
const SHARED_BUILD_DIR = Symbol.for('cosyvoice.test.serviceBuildDir');

type WithSharedBuildDir = typeof globalThis & { [SHARED_BUILD_DIR]?: Promise<string> };

async function makeBuildDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cosyvoice-build-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(REPOSITORY_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await symlink(join(REPOSITORY_DIR, 'proto'), join(dir, 'proto'), 'dir');
  return dir;
}

/**
 * One build directory per run of the real-process tiers, shared by every file that runs
 * `node dist/main.js`: a `package.json` (ESM) and links to the repository's node_modules and
 * proto/ (the engine's gRPC contract, read at run time) now,
 * `dist/` when the first of them asks for it. Removed at the end of the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = globalThis as WithSharedBuildDir;
  shared[SHARED_BUILD_DIR] ??= makeBuildDir();
  const dir = await shared[SHARED_BUILD_DIR];
  project.provide('serviceBuildDir', dir);
  return async () => {
    delete shared[SHARED_BUILD_DIR];
    await rm(dir, { recursive: true, force: true });
  };
}
