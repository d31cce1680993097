import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { TaskSocket, postSpeech } from '../support/speech-clients.js';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';

const ALPHA = 'alpha-token-0123456789abcdef0123456789';
const BETA = 'beta-token-0123456789abcdef0123456789';

function list(app: ListeningInProcessApp, token: string | null): Promise<Response> {
  return fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

async function expectTooManyRequests(response: Response, limit: number): Promise<void> {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await response.json()).toEqual({
    code: 'TooManyRequests',
    message: `rate limit of ${limit} requests per minute reached; retry after ${retryAfter} s`,
    request_id: response.headers.get('x-request-id'),
  });
}

describe('RATE_LIMIT_PER_MINUTE with API tokens', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({
      API_TOKENS: `${ALPHA},${BETA}`,
      RATE_LIMIT_PER_MINUTE: '3',
    });
    // No model: a counted task fails with ModelNotLoaded, a refused one with TooManyRequests.
    app.inference.loaded = false;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers N requests of a token, then 429 TooManyRequests with Retry-After; other tokens and public routes are unaffected', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await list(app, ALPHA)).status).toBe(200);
    }
    await expectTooManyRequests(await list(app, ALPHA), 3);
    await expectTooManyRequests(
      await postSpeech({ ...app, token: ALPHA }, { model: 'CosyVoice2-0.5B' }),
      3,
    );

    expect((await list(app, null)).status).toBe(401);
    expect((await list(app, 'wrong-token')).status).toBe(401);
    expect((await list(app, BETA)).status).toBe(200);

    for (const path of ['/health', '/ready', '/metrics', '/docs-json']) {
      const response = await fetch(`${app.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${ALPHA}` },
      });
      expect(response.status, path).not.toBe(429);
    }
  });

  it('counts WebSocket run-task commands with the REST requests of the same token', async () => {
    const socket = await TaskSocket.open({ ...app, token: BETA });
    try {
      const parameters = {
        mode: 'fast_replication',
        reference_audio_id: 'any',
        output_format: 'wav',
      };
      // BETA made one REST request in the test above; two tasks fill its window of 3.
      for (const taskId of ['t1', 't2']) {
        socket.runTask(taskId, parameters);
        const event = await socket.next((e) => e.header.task_id === taskId);
        expect(event.header).toMatchObject({ event: 'task-failed', error_code: 'ModelNotLoaded' });
      }
      socket.runTask('t3', parameters);
      const refused = await socket.next((e) => e.header.task_id === 't3');
      expect(refused.header).toMatchObject({
        event: 'task-failed',
        error_code: 'TooManyRequests',
        error_message: expect.stringMatching(
          /^rate limit of 3 requests per minute reached; retry after \d+ s$/,
        ),
      });
      expect(socket.closeCode).toBeUndefined();
      await expectTooManyRequests(await list(app, BETA), 3);
    } finally {
      socket.close();
    }
  });
});

describe('RATE_LIMIT_PER_MINUTE on an open API (no tokens): per client IP', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ API_TOKENS: '', RATE_LIMIT_PER_MINUTE: '2' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('counts requests per IP whatever token they carry', async () => {
    expect((await list(app, null)).status).toBe(200);
    expect((await list(app, 'anything')).status).toBe(200);
    await expectTooManyRequests(await list(app, 'something-else'), 2);
  });
});

describe('RATE_LIMIT_PER_MINUTE=0 (the default)', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('never answers 429', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => list(app, app.token).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('MAX_JSON_BODY_BYTES', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ MAX_JSON_BODY_BYTES: '2048' });
    // No model: a body within the limit is read and then fails with ModelNotLoaded.
    app.inference.loaded = false;
  });

  afterAll(async () => {
    await app?.close();
  });

  function speechWithText(text: string) {
    return {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', text, reference_audio_id: 'any' },
    };
  }

  it('refuses a larger JSON body with 413 PayloadTooLarge in the common error shape', async () => {
    const body = speechWithText('a'.repeat(2100));
    expect(JSON.stringify(body).length).toBeGreaterThan(2048);
    const response = await postSpeech(app, body);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      code: 'PayloadTooLarge',
      message: 'request body over the limit of 2048 bytes (MAX_JSON_BODY_BYTES)',
      request_id: response.headers.get('x-request-id'),
    });
  });

  it('documents 413 and 429 of the speech endpoint in OpenAPI', async () => {
    const document = (await (await fetch(`${app.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, { post: { responses: Record<string, { description: string }> } }>;
    };
    const { responses } = document.paths['/api/v1/audio/speech'].post;
    expect(responses['413'].description).toMatch(/MAX_JSON_BODY_BYTES/);
    expect(responses['429'].description).toMatch(/RATE_LIMIT_PER_MINUTE.*Retry-After/);
    expect(responses['503'].description).toMatch(/ServiceUnavailable while shutting down/);
  });

  it('reads a body within the limit (the request then fails for its own reasons)', async () => {
    const body = speechWithText('a'.repeat(1800));
    expect(JSON.stringify(body).length).toBeLessThanOrEqual(2048);
    const response = await postSpeech(app, body);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'ModelNotLoaded' });
  });
});
