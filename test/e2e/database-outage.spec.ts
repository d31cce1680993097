import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH, authHeaders } from '../support/http-client.js';
import { TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import {
  DEFAULT_TEST_DATABASE_URL,
  isolatedDatabase,
  startTestApp,
  type IsolatedDatabase,
  type TestApp,
} from '../support/test-app.js';

const VOICE_ID = '50a5fdb9-c3ad-445a-adbb-3be327500000';

async function expectDatabaseUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('5');
  expect(await response.json()).toEqual({
    code: 'DatabaseUnavailable',
    message: 'the database is unavailable or does not answer; retry later',
    request_id: response.headers.get('x-request-id'),
  });
}

/** Runs `request` and fails the test when it takes longer than `limitMs`. */
async function within<T>(limitMs: number, request: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await request();
  expect(Date.now() - started).toBeLessThan(limitMs);
  return result;
}

describe('a MySQL/MariaDB database that fails after boot', () => {
  let tempDir: string;
  let database: IsolatedDatabase;
  let proxy: TcpFaultProxy;
  let app: TestApp;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-db-outage-'));
    const base = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
    database = await isolatedDatabase(base, tempDir);
    const url = new URL(database.url);
    proxy = await TcpFaultProxy.start(url.hostname, Number(url.port || 3306));
    url.host = `127.0.0.1:${proxy.port}`;
    app = await startTestApp({
      DATABASE_URL: url.toString(),
      DB_CONNECT_TIMEOUT_MS: '1000',
      DB_QUERY_TIMEOUT_MS: '1000',
    });
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await proxy?.close();
    await database?.drop();
    await rm(tempDir, { recursive: true, force: true });
  });

  const list = () => fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, { headers: authHeaders(app) });
  const get = () =>
    fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${VOICE_ID}`, { headers: authHeaders(app) });

  it('serves requests while the database answers', async () => {
    expect((await list()).status).toBe(200);
  });

  it('answers 503 DatabaseUnavailable with Retry-After, within the timeouts, while it hangs', async () => {
    proxy.hang();
    await expectDatabaseUnavailable(await within(4000, list));
    await expectDatabaseUnavailable(await within(4000, get));
    const ready = await within(5000, () => fetch(`${app.baseUrl}/ready`));
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: { database: { status: string } } };
    expect(body.checks.database.status).toBe('error');
    expect(JSON.stringify(body)).not.toContain(String(proxy.port));
  });

  it('answers 503 DatabaseUnavailable at once while it refuses connections', async () => {
    await proxy.refuse();
    await expectDatabaseUnavailable(await within(3000, list));
    await expectDatabaseUnavailable(await within(3000, get));
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
  });
});
