import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { TaskSocket } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The machine's Redis (started by .ci/run). */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function list(app: TestApp, token: string): Promise<Response> {
  return fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

/** Forgets the wrong-token counts of 127.0.0.1, so a re-run within a minute starts clean. */
async function forgetLoopbackAuthFailures(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys('{cosyvoice:auth-*:127.0.0.1:rate-limit}:*');
    if (keys.length > 0) {
      await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

describe('REDIS_URL: two replicas share one limit', () => {
  const token = `shared-token-${randomBytes(16).toString('hex')}`;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    await forgetLoopbackAuthFailures();
    const env = {
      API_TOKENS: token,
      RATE_LIMIT_PER_MINUTE: '3',
      AUTH_FAILURES_PER_MINUTE: '2',
      REDIS_URL,
    };
    first = await startTestApp(env);
    second = await startTestApp(env);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await forgetLoopbackAuthFailures();
  });

  it('counts the requests of one token on both replicas together', async () => {
    expect((await list(first, token)).status).toBe(200);
    expect((await list(second, token)).status).toBe(200);
    const socket = await TaskSocket.open({ ...second, token });
    try {
      socket.runTask('t1', { mode: 'fast_replication', reference_audio_id: 'any' });
      const event = await socket.next((e) => e.header.task_id === 't1');
      expect(event.header.error_code).toBe('ModelNotLoaded');
    } finally {
      socket.close();
    }
    const refused = await list(first, token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 'TooManyRequests' });
    expect((await list(second, token)).status).toBe(429);
  });

  it('locks an IP out on every replica after its wrong tokens on both', async () => {
    expect((await list(first, 'guess-1')).status).toBe(401);
    expect((await list(second, 'guess-2')).status).toBe(401);
    const locked = await list(first, 'guess-3');
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({
      code: 'TooManyRequests',
      message: expect.stringMatching(/^more than 2 wrong API tokens a minute/),
    });
    const other = `other-token-${randomBytes(4).toString('hex')}`;
    expect((await list(second, other)).status).toBe(429);
  });
});

describe('REDIS_URL that does not answer', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5', REDIS_URL: 'redis://127.0.0.1:1' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers protected routes 503 ServiceUnavailable with Retry-After, quickly; public ones stay up', async () => {
    const started = Date.now();
    const response = await list(app, app.token);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      code: 'ServiceUnavailable',
      message: 'the rate-limit store (REDIS_URL) is unavailable; retry later',
      request_id: response.headers.get('x-request-id'),
    });
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
  });
});
