import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { WS_PATH } from '../support/speech-clients.js';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';
import { handshakeStatus } from '../support/ws-handshake.js';

/** GET the voice list as a client behind a proxy that says the client is `forwardedFor`. */
function list(app: ListeningInProcessApp, token: string, forwardedFor: string): Promise<Response> {
  return fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
    headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor },
  });
}

async function failThreeTimes(app: ListeningInProcessApp, forwardedFor: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    expect((await list(app, `guess-${i}`, forwardedFor)).status).toBe(401);
  }
}

describe('TRUST_PROXY unset: X-Forwarded-For is ignored', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({ AUTH_FAILURES_PER_MINUTE: '3' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('a client cannot escape the wrong-token lock-out by sending another X-Forwarded-For', async () => {
    await failThreeTimes(app, '203.0.113.1');
    expect((await list(app, 'guess-3', '203.0.113.2')).status).toBe(429);
    expect((await list(app, 'guess-4', '198.51.100.7')).status).toBe(429);
  });
});

describe('TRUST_PROXY=loopback: behind a reverse proxy each client is counted by its own address', () => {
  let app: ListeningInProcessApp;

  beforeAll(async () => {
    app = await startListeningInProcessApp({
      AUTH_FAILURES_PER_MINUTE: '3',
      TRUST_PROXY: 'loopback',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('locks out the client that guessed, over REST and WebSocket, and no other client', async () => {
    await failThreeTimes(app, '203.0.113.1');
    expect((await list(app, 'guess-3', '203.0.113.1')).status).toBe(429);
    const url = `${app.wsUrl}${WS_PATH}`;
    const locked = await handshakeStatus(url, 'guess-4', { 'x-forwarded-for': '203.0.113.1' });
    expect(locked.status).toBe(429);
    // Its valid token is never refused for its wrong ones.
    expect((await list(app, app.token, '203.0.113.1')).status).toBe(200);

    expect((await list(app, app.token, '203.0.113.2')).status).toBe(200);
    expect((await list(app, 'guess-x', '203.0.113.2')).status).toBe(401);
    const other = await handshakeStatus(url, app.token, { 'x-forwarded-for': '203.0.113.2' });
    expect(other.status).toBe(101);
  });
});

describe('TRUST_PROXY values', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.0/8,127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
    ['loopback', ['loopback']],
  ])('%s → %o', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(
      expected,
    );
  });

  it('refuses what is not a proxy address with the variable named', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.com' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY="10.0.0.0\/99"/);
  });
});
