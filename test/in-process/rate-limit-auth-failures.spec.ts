import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { metricSample } from '../support/metric-sample.js';
import { WS_PATH, postSpeech } from '../support/speech-clients.js';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';
import { handshakeStatus } from '../support/ws-handshake.js';

function list(app: ListeningInProcessApp, token: string | null): Promise<Response> {
  return fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

async function expectLockedOut(response: Response, limit: number): Promise<void> {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await response.json()).toEqual({
    code: 'TooManyRequests',
    message: `more than ${limit} wrong API tokens a minute from this address; retry after ${retryAfter} s`,
    request_id: response.headers.get('x-request-id'),
  });
}

describe('AUTH_FAILURES_PER_MINUTE: wrong tokens are throttled per client IP', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ AUTH_FAILURES_PER_MINUTE: '3' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 401 to N wrong tokens, then 429 to the wrong tokens of that IP; its valid token keeps working', async () => {
    expect((await list(app, null)).status).toBe(401);
    for (let i = 0; i < 3; i++) {
      expect((await list(app, `guess-${i}`)).status).toBe(401);
    }
    await expectLockedOut(await list(app, 'guess-3'), 3);
    await expectLockedOut(await list(app, 'guess-4'), 3);
    await expectLockedOut(
      await postSpeech({ ...app, token: 'guess-5' }, { model: 'CosyVoice2-0.5B' }),
      3,
    );
    const wrongHandshake = await handshakeStatus(`${app.wsUrl}${WS_PATH}`, 'guess-6');
    expect(wrongHandshake.status).toBe(429);
    expect(Number(wrongHandshake.retryAfter)).toBeGreaterThanOrEqual(1);

    expect(await metricSample(app.baseUrl, 'access_refusals_total{reason="locked_out"}')).toBe(4);

    expect((await list(app, app.token)).status).toBe(200);
    expect((await handshakeStatus(`${app.wsUrl}${WS_PATH}`, app.token)).status).toBe(101);
    expect((await list(app, null)).status).toBe(401);
    for (const path of ['/health', '/metrics', '/docs-json']) {
      expect((await fetch(`${app.baseUrl}${path}`)).status, path).toBe(200);
    }
  });
});

describe('wrong tokens of WebSocket handshakes count as well', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ AUTH_FAILURES_PER_MINUTE: '2' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses the third wrong handshake with 429, and then wrong REST tokens of the IP', async () => {
    const url = `${app.wsUrl}${WS_PATH}`;
    expect((await handshakeStatus(url, 'guess-1')).status).toBe(401);
    expect((await handshakeStatus(url, 'guess-2')).status).toBe(401);
    expect((await handshakeStatus(url, 'guess-3')).status).toBe(429);
    await expectLockedOut(await list(app, 'guess-4'), 2);
  });
});

describe('the lock-out scenario of the probe: a guesser and a legitimate client behind one address', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses none of the legitimate client’s 30 requests and handshakes among the guesser’s 41 bad ones', async () => {
    const url = `${app.wsUrl}${WS_PATH}`;
    const legitimate: number[] = [];
    const guesser: number[] = [];
    for (let i = 0; i < 41; i++) {
      guesser.push((await list(app, i % 5 === 0 ? null : `guess-${i}`)).status);
      if (i % 4 === 0 && legitimate.length < 30) {
        legitimate.push((await list(app, app.token)).status);
      }
      if (i % 4 === 2 && legitimate.length < 30) {
        legitimate.push((await handshakeStatus(url, app.token)).status);
      }
    }
    while (legitimate.length < 30) {
      legitimate.push((await list(app, app.token)).status);
    }
    expect(legitimate.filter((status) => status !== 200 && status !== 101)).toEqual([]);
    expect(legitimate.filter((status) => status === 101).length).toBeGreaterThan(0);
    // The guesser: 401s until its 10 wrong tokens a minute are used up, then 429s.
    expect(guesser.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(guesser.filter((status) => status !== 401 && status !== 429)).toEqual([]);
  });
});

describe('AUTH_FAILURES_PER_MINUTE=0', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ AUTH_FAILURES_PER_MINUTE: '0' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('never locks an IP out', async () => {
    for (let i = 0; i < 15; i++) {
      expect((await list(app, `guess-${i}`)).status).toBe(401);
    }
    expect((await list(app, app.token)).status).toBe(200);
  });
});

describe('the default AUTH_FAILURES_PER_MINUTE', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is 10 wrong tokens a minute', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await list(app, `guess-${i}`)).status).toBe(401);
    }
    await expectLockedOut(await list(app, 'guess-10'), 10);
  });
});
