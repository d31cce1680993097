import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';
import { WS_PATH } from '../support/speech-clients.js';
import { handshakeStatus } from '../support/ws-handshake.js';

describe('the in-process app (Nest testing module, fake engine, in-memory SQLite)', () => {
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers through app.inject(), with no port, in the common error shape', async () => {
    expect(app.app.getHttpServer().listening).toBe(false);
    const refused = await app.fetch(REFERENCE_AUDIO_PATH);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({
      code: 'Unauthorized',
      request_id: refused.headers.get('x-request-id'),
    });
    const listed = await app.fetch(REFERENCE_AUDIO_PATH, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    expect(listed.status).toBe(200);
  });

  it('reports the fake engine as the loaded model', async () => {
    const ready = await app.fetch('/ready');
    expect(ready.status).toBe(200);
    app.inference.loaded = false;
    expect((await app.fetch('/ready')).status).toBe(503);
    app.inference.loaded = true;
  });

  it('takes a WebSocket upgrade once it listens on port 0 (inject carries none)', async () => {
    const { wsUrl } = await app.listen();
    expect(await handshakeStatus(`${wsUrl}${WS_PATH}`, app.token)).toEqual({
      status: 101,
      retryAfter: undefined,
    });
    expect((await handshakeStatus(`${wsUrl}${WS_PATH}`, undefined)).status).toBe(401);
  });
});
