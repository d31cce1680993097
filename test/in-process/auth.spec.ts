import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';

const FIRST_TOKEN = 'first-token-0123456789abcdef0123456789';
const SECOND_TOKEN = 'second-token-0123456789abcdef0123456789';

/** The multipart body of a one-second WAV upload with its transcript, as a browser sends it. */
function uploadForm(text: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(makeSpeechWav(1))]), 'voice.wav');
  form.append('text', text);
  return form;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('bearer token auth on /api routes', () => {
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp({ API_TOKENS: `${FIRST_TOKEN},${SECOND_TOKEN}` });
  });

  afterAll(async () => {
    await app?.close();
  });

  async function expectUnauthorized(response: Response, message: RegExp): Promise<void> {
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'request_id']);
    expect(body.code).toBe('Unauthorized');
    expect(body.message).toMatch(message);
    expect(body.request_id).toMatch(UUID);
  }

  const routes: [string, string][] = [
    ['GET', REFERENCE_AUDIO_PATH],
    ['GET', `${REFERENCE_AUDIO_PATH}/50a5fdb9-c3ad-445a-adbb-3be327500000`],
    ['DELETE', `${REFERENCE_AUDIO_PATH}/50a5fdb9-c3ad-445a-adbb-3be327500000`],
    ['POST', REFERENCE_AUDIO_PATH],
  ];

  it.each(routes)('%s %s without a token: 401', async (method, path) => {
    await expectUnauthorized(await app.fetch(path, { method }), /missing Authorization: Bearer/);
  });

  it.each(routes)('%s %s with a wrong token: 401', async (method, path) => {
    await expectUnauthorized(
      await app.fetch(path, {
        method,
        headers: { authorization: `Bearer ${FIRST_TOKEN}-but-longer` },
      }),
      /invalid API token/,
    );
  });

  it('refuses a token given in another scheme', async () => {
    await expectUnauthorized(
      await app.fetch(REFERENCE_AUDIO_PATH, {
        headers: { authorization: 'Basic Zmlyc3QtdG9rZW46' },
      }),
      /missing Authorization: Bearer/,
    );
  });

  it('refuses an upload without a token and stores nothing', async () => {
    await expectUnauthorized(
      await app.fetch(REFERENCE_AUDIO_PATH, { method: 'POST', body: uploadForm('hello') }),
      /missing/,
    );
    expect(await listStoredKeys(app)).toEqual([]);
  });

  it('accepts every configured token', async () => {
    for (const token of [FIRST_TOKEN, SECOND_TOKEN]) {
      const response = await app.fetch(REFERENCE_AUDIO_PATH, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
    }
  });

  it('leaves /health, /ready, /metrics and /docs-json open', async () => {
    expect((await app.fetch('/health')).status).toBe(200);
    expect([200, 503]).toContain((await app.fetch('/ready')).status);
    expect((await app.fetch('/metrics')).status).toBe(200);
    expect((await app.fetch('/docs-json')).status).toBe(200);
  });
});

describe('without API_TOKENS on a loopback address', () => {
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp({ API_TOKENS: '' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs open: requests without a token are served', async () => {
    expect(app.config.apiTokens).toEqual([]);
    const upload = await app.fetch(REFERENCE_AUDIO_PATH, {
      method: 'POST',
      headers: { authorization: 'Bearer anything' },
      body: uploadForm('open'),
    });
    expect(upload.status).toBe(200);
    const list = await app.fetch(REFERENCE_AUDIO_PATH);
    expect(list.status).toBe(200);
    expect(await list.json()).toHaveLength(1);
  });
});
