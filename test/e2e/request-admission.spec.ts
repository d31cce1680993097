import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { holdConnection, requestHead, statusOf } from '../support/held-connection.js';
import { metricSample } from '../support/metric-sample.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

/**
 * How many unauthenticated half-sent bodies are held at once. The probe held 1,000 (and up to
 * 20,200 connections); 1,000 fit the test machine's 20,000 file descriptors with room to spare.
 */
const HELD_BODIES = Number(process.env.HELD_BODIES ?? 1000);

/** Each held request declares a 1 MiB JSON body (the largest MAX_JSON_BODY_BYTES allows)... */
const DECLARED_BODY_BYTES = 1024 * 1024;

/** ...and sends this much of it before it stops. */
const SENT_BODY_BYTES = 256 * 1024;

const SPEECH_PATH = '/api/v1/audio/speech';

describe('unauthenticated requests are refused before their body is read', () => {
  let app: TestApp;

  beforeAll(async () => {
    // Timeouts far beyond the test, and no per-client cap: whatever ends these connections is
    // the authentication itself.
    app = await startTestApp({
      REQUEST_TIMEOUT_MS: '600000',
      HEADERS_TIMEOUT_MS: '600000',
      MAX_CLIENT_CONNECTIONS: '0',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it(`${HELD_BODIES} held half-sent bodies get 401 and are closed; /health and a token client keep working; memory does not grow by the bodies`, async () => {
    const halfSent = Buffer.concat([
      Buffer.from(requestHead('POST', SPEECH_PATH, DECLARED_BODY_BYTES)),
      Buffer.alloc(SENT_BODY_BYTES, 0x20),
    ]);
    const refusedBefore = await metricSample(
      app.baseUrl,
      'access_refusals_total{reason="missing_token"}',
    );
    const rssBefore = process.memoryUsage().rss;

    const held = Array.from({ length: HELD_BODIES }, () => holdConnection(app.baseUrl, halfSent));
    const health = await fetch(`${app.baseUrl}/health`);
    const list = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      headers: authHeaders(app),
    });
    expect(health.status).toBe(200);
    expect(list.status).toBe(200);

    const ends = await Promise.all(held.map((connection) => connection.ended));
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const statuses = ends.map(({ received }) => statusOf(received));
    // Every connection was ended by the server (none is left holding a descriptor); each one
    // that could read its answer before the server closed it read a 401 (a client still sending
    // may see a reset first, as with any server that refuses an unread body).
    expect(statuses.filter((status) => status !== undefined && status !== 401)).toEqual([]);
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThan(0);
    for (const { received } of ends.filter(({ received }) => statusOf(received) === 401)) {
      expect(received).toMatch(/\r\nconnection: close\r\n/i);
      expect(received).toMatch(/"code":"Unauthorized"/);
    }
    const refused =
      (await metricSample(app.baseUrl, 'access_refusals_total{reason="missing_token"}')) -
      refusedBefore;
    expect(refused).toBe(HELD_BODIES);
    expect(await metricSample(app.baseUrl, 'http_request_timeouts_total')).toBe(0);
    // Had the bodies been read, the server would hold HELD_BODIES × SENT_BODY_BYTES (256 MiB).
    expect(rssGrowth).toBeLessThan(HELD_BODIES * SENT_BODY_BYTES * 0.75);

    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
  });
});

describe('slow clients against REQUEST_TIMEOUT_MS and HEADERS_TIMEOUT_MS', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ REQUEST_TIMEOUT_MS: '1500', HEADERS_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('cuts off an authenticated body that stops half-way with 408 and closes the connection', async () => {
    const connection = holdConnection(
      app.baseUrl,
      requestHead('POST', SPEECH_PATH, 1000, authHeaders(app)) + '{"model":',
    );
    const { received } = await connection.ended;
    expect(statusOf(received)).toBe(408);
  });

  it('cuts off a body that trickles in without ever pausing for long (a total, not an idle, timeout)', async () => {
    const connection = holdConnection(
      app.baseUrl,
      requestHead('POST', SPEECH_PATH, 100_000, authHeaders(app)),
    );
    await connection.connected;
    let sent = 0;
    const drip = setInterval(() => {
      if (!connection.socket.destroyed) {
        connection.socket.write(' ');
        sent += 1;
      }
    }, 100);
    try {
      const { received } = await connection.ended;
      expect(statusOf(received)).toBe(408);
      expect(sent).toBeGreaterThan(0);
    } finally {
      clearInterval(drip);
    }
  });

  it('cuts off a client that never finishes its headers', async () => {
    const connection = holdConnection(app.baseUrl, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const { received } = await connection.ended;
    expect(statusOf(received)).toBe(408);
  });

  it('cuts off a connection that sends nothing at all', async () => {
    const connection = holdConnection(app.baseUrl);
    const { received } = await connection.ended;
    expect(received === '' || statusOf(received) === 408).toBe(true);
  });

  it('counts each cut-off request, and serves a client that sends its request in time', async () => {
    const before = await metricSample(app.baseUrl, 'http_request_timeouts_total');
    await holdConnection(app.baseUrl, requestHead('POST', SPEECH_PATH, 10, authHeaders(app))).ended;
    await until(
      async () => (await metricSample(app.baseUrl, 'http_request_timeouts_total')) > before,
      'the timeout to be counted',
    );
    const response = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      headers: authHeaders(app),
    });
    expect(response.status).toBe(200);
  });
});

describe('MAX_CLIENT_CONNECTIONS', () => {
  const CAP = 5;
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ MAX_CLIENT_CONNECTIONS: String(CAP) });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('closes a client’s connection over the cap at once, while other clients and the client’s own open connections are served', async () => {
    const crowd = Array.from({ length: CAP }, () => holdConnection(app.baseUrl, '', '127.0.0.2'));
    await Promise.all(crowd.map((connection) => connection.connected));
    const refusedBefore = await metricSample(app.baseUrl, 'http_connections_refused_total');

    const extra = holdConnection(
      app.baseUrl,
      'GET /health HTTP/1.1\r\nHost: x\r\n\r\n',
      '127.0.0.2',
    );
    const { received } = await extra.ended;
    expect(received).toBe('');
    expect(
      (await metricSample(app.baseUrl, 'http_connections_refused_total')) - refusedBefore,
    ).toBe(1);

    // Another address (the test's fetch comes from 127.0.0.1) is not affected...
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
    // ...nor are the capped client's open connections.
    const [first, ...others] = crowd;
    first.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf((await first.ended).received)).toBe(200);

    // One of them closed: the client may open one again.
    const again = holdConnection(
      app.baseUrl,
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      '127.0.0.2',
    );
    expect(statusOf((await again.ended).received)).toBe(200);
    for (const connection of others) connection.socket.destroy();
  });
});

describe('a crowd of idle connections from one address (the probe held 20,200)', () => {
  const CAP = 100;
  const CROWD = 1000;
  let app: TestApp;

  beforeAll(async () => {
    // Timeouts beyond the test: what bounds the crowd is the cap alone.
    app = await startTestApp({
      MAX_CLIENT_CONNECTIONS: String(CAP),
      REQUEST_TIMEOUT_MS: '600000',
      HEADERS_TIMEOUT_MS: '600000',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it(`holds at most ${CAP} of ${CROWD}, closes the rest at once, and keeps serving /health and a token client`, async () => {
    const refusedBefore = await metricSample(app.baseUrl, 'http_connections_refused_total');
    const crowd = Array.from({ length: CROWD }, () => holdConnection(app.baseUrl, '', '127.0.0.2'));
    await Promise.all(crowd.map((connection) => connection.connected.catch(() => undefined)));
    await until(
      async () =>
        (await metricSample(app.baseUrl, 'http_connections_refused_total')) - refusedBefore ===
        CROWD - CAP,
      `${CROWD - CAP} connections to be refused`,
    );
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
    const list = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      headers: authHeaders(app),
    });
    expect(list.status).toBe(200);
    await until(
      () => crowd.filter((connection) => !connection.socket.destroyed).length === CAP,
      `the crowd to be down to ${CAP} open connections`,
    );
    for (const connection of crowd) connection.socket.destroy();
  });
});
