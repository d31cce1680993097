import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port.js';

export const BENCH_TOKEN = 'bench-token-0123456789abcdef0123456789';

/** The service spawned as its own process over a model pack. */
export interface BenchService {
  baseUrl: string;
  token: string;
  pid: number;
  /** Resident memory of the process now, in bytes (/proc/<pid>/status VmRSS). */
  rssBytes(): Promise<number>;
  close(): Promise<void>;
}

/** How to start the service: which entry script, where, and with what on top of the defaults. */
export interface BenchServiceOptions {
  /** The entry script: `<checkout>/dist/main.js`, or `app/service.js` in the GPU check bundle. */
  main: string;
  /** Its working directory (where it would read a `.env`). */
  cwd: string;
  modelDir: string;
  /** Settings on top of the defaults (PATH, loopback port, token, SQLite, local storage). */
  env: Record<string, string>;
  readyTimeoutMs?: number;
  /** A file that takes its stdout and stderr; without one, stderr is ours and stdout dropped. */
  logFile?: string;
}

async function statusField(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/**
 * Starts the service's entry script with SQLite and local storage in a temporary directory
 * (removed by `close`), over `modelDir`, with `env` on top; waits until /ready is 200.
 */
export async function startBenchService(options: BenchServiceOptions): Promise<BenchService> {
  const { main, readyTimeoutMs = 900_000 } = options;
  if (!existsSync(main)) throw new Error(`${main} does not exist: build it first`);
  const dataDir = await mkdtemp(join(tmpdir(), 'cosyvoice-bench-service-'));
  const port = await freePort();
  const log = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [main], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      API_TOKENS: BENCH_TOKEN,
      LOG_LEVEL: 'error',
      DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}`,
      STORAGE_DIR: join(dataDir, 'audio'),
      MODEL_DIR: options.modelDir,
      MAX_CONCURRENT_SYNTHESES: '2',
      ...options.env,
    },
    stdio: ['ignore', log ?? 'ignore', log ?? 'inherit'],
  });
  if (log !== undefined) closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  const output = options.logFile === undefined ? '' : ` (output in ${options.logFile})`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new Error(
        `${main} exited with ${child.exitCode ?? child.signalCode} before it was ready${output}`,
      );
    }
    const status = await fetch(`${baseUrl}/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`${main} was not ready within ${readyTimeoutMs} ms${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const pid = child.pid ?? 0;
  return { baseUrl, token: BENCH_TOKEN, pid, rssBytes: () => statusField(pid, 'VmRSS'), close };
}
