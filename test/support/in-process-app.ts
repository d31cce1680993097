import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureApp, createAppShell, type CreateAppOptions } from '../../src/app.factory.js';
import { AppModule } from '../../src/app.module.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { INFERENCE_PROVIDER } from '../../src/inference/inference.provider.js';
import { FakeInferenceProvider } from './fake-inference.provider.js';
import type { RawResponse } from './raw-http.js';

/** The whole service in this process, answering through `app.inject()`: no port, no MariaDB. */
export interface InProcessApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** A bearer token the app accepts. */
  token: string;
  /** The engine stand-in the app runs with (loaded; set `loaded = false` for a missing pack). */
  inference: FakeInferenceProvider;
  /**
   * `fetch` against the app without a socket: `path` is sent as given (percent-encoding and all),
   * `init` as a browser would send it (JSON, FormData, headers).
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** `rawRequest` (test/support/raw-http.ts) without a socket: the path exactly as given. */
  raw(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<RawResponse>;
  /**
   * Listens on a free loopback port, for what `app.inject()` cannot carry (a WebSocket upgrade);
   * returns the URLs to reach it.
   */
  listen(): Promise<{ baseUrl: string; wsUrl: string }>;
  close(): Promise<void>;
}

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Starts the real AppModule and the same Fastify set-up as `createApp` from a Nest testing
 * module, with the fake inference provider in place of the engine (`overrideProvider`), an
 * in-memory SQLite database and a fresh storage directory. `env` overrides any variable.
 * For what only a real process shows (a port, MariaDB, Redis, crashes, signals), use
 * `startTestApp` (test/support/test-app.ts).
 */
export async function startInProcessApp(
  env: Record<string, string> = {},
  options: CreateAppOptions = {},
): Promise<InProcessApp> {
  const tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-inproc-'));
  const token = `test-token-${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    API_TOKENS: token,
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'sqlite::memory:',
    STORAGE_DIR: join(tempDir, 'audio'),
    MODEL_DIR: join(tempDir, 'no-model'),
    INFERENCE_WORKERS: '1',
    ...env,
  });
  const inference = new FakeInferenceProvider();
  let app: NestFastifyApplication | undefined;
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(INFERENCE_PROVIDER)
      .useValue(inference)
      .compile();
    const { adapter, logger } = createAppShell(config, options);
    app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, {
      logger,
      abortOnError: false,
    });
    await configureApp(app, config, adapter);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    await app?.close().catch(() => undefined);
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  const started = app;
  return {
    app: started,
    config,
    token,
    inference,
    fetch: (path, init) => injectFetch(started, path, init),
    async raw(method, path, init = {}) {
      const answer = await started.inject({
        method: method as 'GET',
        url: path,
        headers: init.headers,
        ...(init.body === undefined ? {} : { payload: init.body }),
      });
      const headers = Object.fromEntries(
        Object.entries(answer.headers).map(([name, value]) => [
          name,
          typeof value === 'number' ? String(value) : value,
        ]),
      );
      return { status: answer.statusCode, headers, body: answer.body };
    },
    async listen() {
      await started.listen(0, '127.0.0.1');
      const { port } = started.getHttpServer().address() as AddressInfo;
      return { baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
    },
    async close() {
      await started.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

async function injectFetch(
  app: NestFastifyApplication,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const request = new Request(new URL('http://in-process.test'), init);
  const body = init.body === undefined ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const answer = await app.inject({
    method: request.method as 'GET',
    url: path,
    headers,
    ...(body === undefined ? {} : { payload: body }),
  });
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined) responseHeaders.append(name, String(one));
    }
  }
  return new Response(NULL_BODY_STATUSES.has(answer.statusCode) ? null : answer.rawPayload, {
    status: answer.statusCode,
    headers: responseHeaders,
  });
}
