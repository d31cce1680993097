import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/service-process.js';

export const BENCH_TOKEN = 'bench-token-0123456789abcdef0123456789';

/** `node dist/main.js` of one checkout, spawned over a model pack. */
export interface BenchService {
  baseUrl: string;
  token: string;
  pid: number;
  /** Resident memory of the process now, in bytes (/proc/<pid>/status VmRSS). */
  rssBytes(): Promise<number>;
  close(): Promise<void>;
}

async function statusField(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/**
 * Starts `<checkout>/dist/main.js` (built beforehand) with SQLite and local storage in a
 * temporary directory, over `modelDir`, with `env` on top; waits until /ready is 200.
 */
export async function startBenchService(
  checkout: string,
  modelDir: string,
  env: Record<string, string>,
  readyTimeoutMs = 900_000,
): Promise<BenchService> {
  const main = join(checkout, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: build ${checkout} first`);
  const dataDir = await mkdtemp(join(tmpdir(), 'cosyvoice-workers-bench-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: checkout,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      API_TOKENS: BENCH_TOKEN,
      LOG_LEVEL: 'error',
      DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}`,
      STORAGE_DIR: join(dataDir, 'audio'),
      MODEL_DIR: modelDir,
      MAX_CONCURRENT_SYNTHESES: '2',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`${main} exited with ${child.exitCode} before it was ready`);
    }
    const status = await fetch(`${baseUrl}/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`${main} was not ready within ${readyTimeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const pid = child.pid ?? 0;
  return { baseUrl, token: BENCH_TOKEN, pid, rssBytes: () => statusField(pid, 'VmRSS'), close };
}
