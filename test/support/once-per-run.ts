import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { until } from './until.js';

/**
 * Runs `work` (a build) once per test run of the e2e tiers, whichever files ask for it and however
 * many of them run at the same time: the first caller takes a lock in the run's build directory
 * (test/build-service.global-setup.ts) and runs it; the others wait until it is done, or, when it
 * failed and freed the lock, try it themselves.
 */
export async function oncePerRun(name: string, work: () => Promise<void>): Promise<void> {
  const dir = inject('serviceBuildDir');
  const done = join(dir, `${name}.done`);
  const lock = join(dir, `${name}.lock`);
  if (existsSync(done)) return;
  const locked = await mkdir(lock).then(
    () => true,
    () => false,
  );
  if (!locked) {
    await until(() => existsSync(done) || !existsSync(lock), `${name} by another file`, 300_000);
    return oncePerRun(name, work);
  }
  try {
    await work();
    await writeFile(done, '');
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
