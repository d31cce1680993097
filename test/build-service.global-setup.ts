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
 * One build directory per run of the real-process tier, shared by every file that runs
 * `node dist/main.js`: a `package.json` (ESM) and links to the repository's node_modules and
 * proto/ (the engine's gRPC contract, read at run time) now,
 * `dist/` when the first of them asks for it. Removed at the end of the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'cosyvoice-build-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(REPOSITORY_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await symlink(join(REPOSITORY_DIR, 'proto'), join(dir, 'proto'), 'dir');
  project.provide('serviceBuildDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}
