import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const FIRST_TOKEN = 'first-token-0123456789abcdef0123456789';
const SECOND_TOKEN = 'second-token-0123456789abcdef0123456789';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('bearer token auth on /api routes', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ API_TOKENS: `${FIRST_TOKEN},${SECOND_TOKEN}` });
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
    await expectUnauthorized(
      await fetch(`${app.baseUrl}${path}`, { method }),
      /missing Authorization: Bearer/,
    );
  });

  it.each(routes)('%s %s with a wrong token: 401', async (method, path) => {
    await expectUnauthorized(
      await fetch(`${app.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${FIRST_TOKEN}-but-longer` },
      }),
      /invalid API token/,
    );
  });

  it('refuses a token given in another scheme', async () => {
    await expectUnauthorized(
      await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
        headers: { authorization: 'Basic Zmlyc3QtdG9rZW46' },
      }),
      /missing Authorization: Bearer/,
    );
  });

  it('refuses an upload without a token and stores nothing', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(makeSpeechWav(1))]), 'voice.wav');
    form.append('text', 'hello');
    await expectUnauthorized(
      await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, { method: 'POST', body: form }),
      /missing/,
    );
    expect(await listStoredKeys(app)).toEqual([]);
  });

  it('accepts every configured token', async () => {
    for (const token of [FIRST_TOKEN, SECOND_TOKEN]) {
      const response = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
    }
  });

  it('leaves /health, /ready, /metrics and /docs-json open', async () => {
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
    expect([200, 503]).toContain((await fetch(`${app.baseUrl}/ready`)).status);
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/docs-json`)).status).toBe(200);
  });
});

describe('without API_TOKENS on a loopback address', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ API_TOKENS: '' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs open: requests without a token are served', async () => {
    expect(app.config.apiTokens).toEqual([]);
    const upload = await uploadReferenceAudio(
      { ...app, token: 'anything' },
      { bytes: makeSpeechWav(1), text: 'open' },
    );
    expect(upload.status).toBe(200);
    const list = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`);
    expect(list.status).toBe(200);
    expect(await list.json()).toHaveLength(1);
  });
});
