import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import { createApp, type CreateAppOptions } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';

/** One running instance of the whole service on a random loopback port. */
export interface TestApp {
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** e.g. ws://127.0.0.1:41234 */
  wsUrl: string;
  app: NestFastifyApplication;
  config: AppConfig;
  /** A bearer token the app accepts. */
  token: string;
  /** The temporary directory holding this app's local storage (and SQLite file). */
  tempDir: string;
  close(): Promise<void>;
}

export const DEFAULT_TEST_DATABASE_URL = 'mysql://root@127.0.0.1:3306/cosyvoice_test';

/**
 * Starts the real service (createApp + listen) with a test environment. Every app gets its own
 * database (a fresh MariaDB schema next to TEST_DATABASE_URL's, or a fresh SQLite file) and a
 * fresh storage directory, so test files and parallel runs never see each other's data.
 * `env` overrides any variable; an explicit DATABASE_URL is used as given (not isolated).
 * `options` go to createApp (e.g. a destination that captures the log lines).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: CreateAppOptions = {},
): Promise<TestApp> {
  const tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-test-'));
  const token = `test-token-${randomBytes(16).toString('hex')}`;
  const database = env.DATABASE_URL
    ? { url: env.DATABASE_URL, drop: async () => undefined }
    : await isolatedDatabase(process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL, tempDir);

  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    API_TOKENS: token,
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    STORAGE_DIR: join(tempDir, 'audio'),
    MODEL_DIR: process.env.TEST_MODEL_DIR ?? join(tempDir, 'no-model'),
    INFERENCE_WORKERS: '1',
    ...env,
  });

  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp(config, options);
    await app.listen(0, config.host);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  const started = app;
  const { port } = started.getHttpServer().address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    app: started,
    config: { ...config, port },
    token,
    tempDir,
    async close() {
      await started.close();
      await database.drop();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

export interface IsolatedDatabase {
  /** DATABASE_URL of the new, empty database. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A new empty database beside `baseUrl`'s: a fresh MariaDB/MySQL schema named after it, or a
 * SQLite file under `tempDir`.
 */
export async function isolatedDatabase(
  baseUrl: string,
  tempDir: string,
): Promise<IsolatedDatabase> {
  if (baseUrl.startsWith('sqlite:')) {
    return { url: `sqlite:${join(tempDir, 'db', 'test.sqlite')}`, drop: async () => undefined };
  }
  const url = new URL(baseUrl.replace(/^mariadb:/, 'mysql:'));
  const baseName = url.pathname.replace(/^\//, '') || 'cosyvoice_test';
  const name = `${baseName}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const server = new URL(url);
  server.pathname = '/';
  const connection = await createConnection(server.toString());
  try {
    await dropDatabasesOfDeadProcesses(connection, baseName);
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await connection.end();
  }
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = await createConnection(server.toString());
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Removes the databases left by test processes of this machine that were killed mid-run. */
async function dropDatabasesOfDeadProcesses(
  connection: Connection,
  baseName: string,
): Promise<void> {
  const [rows] = await connection.query<RowDataPacket[]>('SHOW DATABASES');
  const pattern = new RegExp(`^${baseName}_(\\d+)_[0-9a-f]{8}$`);
  for (const row of rows) {
    const name = String(Object.values(row)[0]);
    const pid = Number(pattern.exec(name)?.[1]);
    if (pid && !isRunning(pid)) {
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
