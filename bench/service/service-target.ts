import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prepareTinyPack } from '../../test/support/tiny-pack.js';
import { freePort } from '../../test/support/free-port.js';
import type { ServiceBenchSettings } from './service-bench.settings.js';

/** The service under test: where it listens, its token, and how to let it go. */
export interface ServiceTarget {
  baseUrl: string;
  wsUrl: string;
  token: string;
  /** One line for the report: what runs, on which pack, with which limits. */
  description: string;
  close(): Promise<void>;
}

const SPAWNED_TOKEN = 'bench-token-0123456789abcdef0123456789';
const DEFAULT_MAX_CONCURRENT_SYNTHESES = '2';

/** Polls GET /ready until the service (database, storage and model) is ready. */
async function waitUntilReady(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/ready`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  throw new Error(`${baseUrl} was not ready within ${timeoutMs} ms (last: ${last})`);
}

/** An already running service at BENCH_BASE_URL (e.g. on a GPU with the real pack). */
async function externalTarget(baseUrl: string, token: string, readyTimeoutMs: number) {
  const trimmed = baseUrl.replace(/\/+$/, '');
  await waitUntilReady(trimmed, readyTimeoutMs);
  return {
    baseUrl: trimmed,
    wsUrl: trimmed.replace(/^http/, 'ws'),
    token,
    description: `running service at ${trimmed}`,
    close: () => Promise.resolve(),
  };
}

/**
 * The built service (`dist/main.js`) as its own process on a free loopback port, with SQLite and
 * local storage in a temporary directory, over BENCH_MODEL_DIR or a fresh tiny pack. Other
 * service settings (MAX_CONCURRENT_SYNTHESES, INFERENCE_DEVICE, ...) come from the environment.
 */
async function spawnedTarget(modelDir: string | undefined, readyTimeoutMs: number) {
  const main = resolve('dist/main.js');
  if (!existsSync(main)) {
    throw new Error(
      `${main} does not exist: run \`npm run build\` first (or npm run bench:service)`,
    );
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'cosyvoice-service-bench-'));
  const port = await freePort();
  const pack = modelDir === undefined ? await prepareTinyPack() : resolve(modelDir);
  const server = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      API_TOKENS: SPAWNED_TOKEN,
      LOG_LEVEL: 'error',
      DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}`,
      STORAGE_DRIVER: 'local',
      STORAGE_DIR: join(dataDir, 'audio'),
      MODEL_DIR: pack,
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolveExit) => server.once('exit', () => resolveExit()));
  const close = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitUntilReady(baseUrl, readyTimeoutMs),
      exited.then(() => {
        throw new Error(`dist/main.js exited with code ${server.exitCode} before it was ready`);
      }),
    ]);
  } catch (error) {
    await close();
    throw error;
  }
  const slots = process.env.MAX_CONCURRENT_SYNTHESES ?? DEFAULT_MAX_CONCURRENT_SYNTHESES;
  return {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    token: SPAWNED_TOKEN,
    description:
      `spawned dist/main.js (SQLite, local storage, ${modelDir === undefined ? 'tiny pack' : `pack ${pack}`}, ` +
      `${process.env.INFERENCE_DEVICE ?? 'cpu'}, MAX_CONCURRENT_SYNTHESES=${slots})`,
    close,
  };
}

export function startServiceTarget(settings: ServiceBenchSettings): Promise<ServiceTarget> {
  return settings.baseUrl === undefined
    ? spawnedTarget(settings.modelDir, settings.readyTimeoutMs)
    : externalTarget(settings.baseUrl, settings.token, settings.readyTimeoutMs);
}
