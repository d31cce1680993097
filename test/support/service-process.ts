import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { REPOSITORY_DIR } from './compose-project.js';
import { oncePerRun } from './once-per-run.js';

const run = promisify(execFile);

/**
 * Compiles src/ with tsconfig.build.json (what `npm run build` does) once per test run, into the
 * run's build directory (test/build-service.global-setup.ts: a `package.json` (ESM) and a link to
 * the repository's node_modules beside `dist/`); returns that directory, which holds
 * `dist/main.js`. Later calls, from any file of the run, find it built.
 */
export async function buildService(): Promise<string> {
  const dir = inject('serviceBuildDir');
  await oncePerRun('dist', async () => {
    const building = await mkdtemp(join(dir, 'building-'));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', building], {
      cwd: REPOSITORY_DIR,
    });
    await rename(building, join(dir, 'dist'));
  });
  return dir;
}

export { freePort } from './free-port.js';

/** `node dist/main.js` running as its own process. */
export interface ServiceProcess {
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then waits for the exit; resolves with the exit code (null if a signal killed it). */
  stop(): Promise<number | null>;
  /** Sends `signal` (e.g. SIGKILL) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `node dist/main.js` in `buildDir` with exactly `env` as its environment and waits until
 * `GET /ready` answers 200 on `port`. Fails with the process output when it exits first or is not
 * ready within `timeoutMs`.
 */
export async function startServiceProcess(
  buildDir: string,
  env: Record<string, string>,
  port: number,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: buildDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const service: ServiceProcess = {
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: () => stop(child, exited),
    kill: async (signal) => {
      child.kill(signal);
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the service exited with ${child.exitCode}:\n${output}`);
    }
    const status = await fetch(`${service.baseUrl}/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return service;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await service.stop();
  throw new Error(`the service was not ready within ${timeoutMs} ms:\n${output}`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return exited;
}
