import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { metricSample } from '../support/metric-sample.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { TaskSocket } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

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

interface Readiness {
  status: string;
  checks: Record<string, { status: string; error?: string } | undefined>;
}

async function readiness(app: TestApp): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${app.baseUrl}/ready`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

function failingChecks(readiness: Readiness): string[] {
  return Object.entries(readiness.checks)
    .filter(([, check]) => check?.status !== 'ok')
    .map(([name]) => name);
}

describe('a Redis outage with both limits off costs nothing', () => {
  let redis: OwnRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await startOwnRedis();
    app = await startTestApp({
      RATE_LIMIT_PER_MINUTE: '0',
      AUTH_FAILURES_PER_MINUTE: '0',
      REDIS_URL: redis.url,
    });
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('serves every request and handshake while Redis is stopped; /ready has no Redis check', async () => {
    await redis.stop();
    expect((await list(app, app.token)).status).toBe(200);
    expect((await list(app, 'guess-1')).status).toBe(401);
    const socket = await TaskSocket.open(app);
    socket.close();
    const ready = await readiness(app);
    expect(ready.body.checks.rate_limit_store).toBeUndefined();
    expect(await metricSample(app.baseUrl, 'rate_limit_store_failures_total')).toBe(0);
  });
});

describe('a Redis outage with limits on: the limits fail open, /ready shows it without failing', () => {
  let redis: OwnRedis;
  let app: TestApp;

  beforeAll(async () => {
    redis = await startOwnRedis();
    app = await startTestApp({
      RATE_LIMIT_PER_MINUTE: '3',
      AUTH_FAILURES_PER_MINUTE: '2',
      REDIS_URL: redis.url,
    });
    await until(
      async () => (await readiness(app)).body.checks.rate_limit_store?.status === 'ok',
      'the rate-limit Redis to answer',
    );
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('counts in Redis, lets requests through uncounted while it is down, counts again once it is back', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await list(app, app.token)).status).toBe(200);
    }
    expect((await list(app, app.token)).status).toBe(429);
    const up = await readiness(app);
    expect(up.body.checks.rate_limit_store).toEqual({ status: 'ok' });

    await redis.stop();
    for (let i = 0; i < 5; i++) {
      expect((await list(app, app.token)).status).toBe(200);
    }
    for (let i = 0; i < 4; i++) {
      expect((await list(app, `guess-${i}`)).status).toBe(401);
    }
    const socket = await TaskSocket.open(app);
    socket.close();
    // The test app has no model (its readiness fails on `model`): Redis's outage changes nothing
    // else in /ready than its own check.
    const down = await readiness(app);
    expect(down.status).toBe(up.status);
    expect(down.body.status).toBe(up.body.status);
    expect(failingChecks(down.body)).toEqual([...failingChecks(up.body), 'rate_limit_store']);
    expect(down.body.checks.rate_limit_store).toEqual({
      status: 'error',
      error: expect.stringMatching(/^failed/),
    });
    expect(await metricSample(app.baseUrl, 'rate_limit_store_failures_total')).toBeGreaterThan(0);

    await redis.start();
    await until(
      async () => (await readiness(app)).body.checks.rate_limit_store?.status === 'ok',
      'the rate-limit Redis to answer again',
    );
    for (let i = 0; i < 3; i++) {
      expect((await list(app, app.token)).status).toBe(200);
    }
    expect((await list(app, app.token)).status).toBe(429);
  });
});
