import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceAudio, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { metricSample } from '../support/metric-sample.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { WS_PATH } from '../support/speech-clients.js';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';
import { handshakeStatus } from '../support/ws-handshake.js';

/** A multipart upload body, as a browser's FormData sends it. */
async function uploadBody(): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(makeSpeechWav(1))]), 'voice.wav');
  form.append('text', 'hello');
  const request = new Request('http://127.0.0.1/', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    contentType: request.headers.get('content-type') ?? '',
  };
}

/** The four operations a rebinding page would use: list, download, delete, upload. */
async function everyOperation(
  app: ListeningInProcessApp,
  id: string,
  headers: Record<string, string>,
): Promise<Record<string, RawResponse>> {
  const upload = await uploadBody();
  return {
    list: await rawRequest(app.baseUrl, 'GET', REFERENCE_AUDIO_PATH, { headers }),
    download: await rawRequest(app.baseUrl, 'GET', `${REFERENCE_AUDIO_PATH}/${id}/audio`, {
      headers,
    }),
    delete: await rawRequest(app.baseUrl, 'DELETE', `${REFERENCE_AUDIO_PATH}/${id}`, { headers }),
    upload: await rawRequest(app.baseUrl, 'POST', REFERENCE_AUDIO_PATH, {
      headers: { ...headers, 'content-type': upload.contentType },
      body: upload.body,
    }),
  };
}

function expectForbidden(responses: Record<string, RawResponse>, message: RegExp): void {
  for (const [operation, response] of Object.entries(responses)) {
    expect(response.status, operation).toBe(403);
    const body = JSON.parse(response.body) as Record<string, string>;
    expect(body.code, operation).toBe('Forbidden');
    expect(body.message, operation).toMatch(message);
  }
}

async function storedIds(app: ListeningInProcessApp): Promise<string[]> {
  const response = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`);
  return ((await response.json()) as { id: string }[]).map((voice) => voice.id);
}

describe('open mode (no API_TOKENS): only loopback hosts and same-origin pages', () => {
  let app: ListeningInProcessApp;
  let port: string;
  let id: string;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ API_TOKENS: '' });
    port = new URL(app.baseUrl).port;
    id = await createReferenceAudio(app, { bytes: makeSpeechWav(1), text: 'kept' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses a rebinding Host (evil.example:8080) on list, download, delete and upload; nothing changes', async () => {
    expectForbidden(
      await everyOperation(app, id, { host: 'evil.example:8080' }),
      /^Host "evil\.example:8080" is not allowed: without API_TOKENS only loopback host names and ALLOWED_HOSTS are answered$/,
    );
    expect(await storedIds(app)).toEqual([id]);
    expect(
      await metricSample(app.baseUrl, 'access_refusals_total{reason="host_not_allowed"}'),
    ).toBe(4);
  });

  it('refuses a cross-origin page on list, download, delete and upload (a multipart POST needs no preflight); nothing changes', async () => {
    expectForbidden(
      await everyOperation(app, id, {
        host: `127.0.0.1:${port}`,
        origin: 'https://evil.example',
      }),
      /^Origin "https:\/\/evil\.example" is not allowed/,
    );
    expect(await storedIds(app)).toEqual([id]);
    expect(
      await metricSample(app.baseUrl, 'access_refusals_total{reason="origin_not_allowed"}'),
    ).toBe(4);
  });

  it('serves loopback host names, with no Origin (curl, SDKs) or the same origin (the playground)', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      const response = await rawRequest(app.baseUrl, 'GET', REFERENCE_AUDIO_PATH, {
        headers: { host },
      });
      expect(response.status, host).toBe(200);
    }
    const sameOrigin = await rawRequest(app.baseUrl, 'GET', REFERENCE_AUDIO_PATH, {
      headers: { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` },
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('refuses cross-origin and rebinding WebSocket handshakes; one without Origin is accepted', async () => {
    const url = `${app.wsUrl}${WS_PATH}`;
    expect((await handshakeStatus(url, undefined, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect((await handshakeStatus(url, undefined, { host: 'evil.example:8080' })).status).toBe(403);
    expect((await handshakeStatus(url, undefined)).status).toBe(101);
    expect(
      (await handshakeStatus(url, undefined, { origin: `http://127.0.0.1:${port}` })).status,
    ).toBe(101);
  });

  it('leaves the public routes alone (a load balancer probes with its own Host)', async () => {
    const response = await rawRequest(app.baseUrl, 'GET', '/health', {
      headers: { host: 'evil.example:8080' },
    });
    expect(response.status).toBe(200);
  });
});

describe('open mode widened by ALLOWED_HOSTS and CORS_ORIGINS', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({
      API_TOKENS: '',
      ALLOWED_HOSTS: 'tts.example.com',
      CORS_ORIGINS: 'https://app.example.com',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves the allowed host (a reverse proxy forwarding its public name) and the listed origin, over HTTP and WebSocket', async () => {
    const proxied = await rawRequest(app.baseUrl, 'GET', REFERENCE_AUDIO_PATH, {
      headers: { host: 'tts.example.com', origin: 'https://app.example.com' },
    });
    expect(proxied.status).toBe(200);
    const url = `${app.wsUrl}${WS_PATH}`;
    expect(
      (await handshakeStatus(url, undefined, { origin: 'https://app.example.com' })).status,
    ).toBe(101);
    expect((await handshakeStatus(url, undefined, { host: 'tts.example.com' })).status).toBe(101);

    const other = await rawRequest(app.baseUrl, 'GET', REFERENCE_AUDIO_PATH, {
      headers: { host: 'tts.example.com', origin: 'https://other.example' },
    });
    expect(other.status).toBe(403);
    expect((await handshakeStatus(url, undefined, { host: 'other.example.com' })).status).toBe(403);
  });
});

describe('with API_TOKENS, Host and Origin are not checked (a page cannot know a token)', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('serves a valid token whatever the Host and Origin', async () => {
    const response = await rawRequest(app.baseUrl, 'GET', REFERENCE_AUDIO_PATH, {
      headers: {
        host: 'tts.example.com',
        origin: 'https://app.example.com',
        authorization: `Bearer ${app.token}`,
      },
    });
    expect(response.status).toBe(200);
  });
});
