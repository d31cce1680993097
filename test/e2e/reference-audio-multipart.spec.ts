import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The local port of the socket that carried the request. */
  localPort: number | undefined;
}

/** One request through `agent` with exactly these headers and body bytes. */
function send(
  app: TestApp,
  agent: Agent | undefined,
  headers: Record<string, string>,
  body: Buffer,
  method = 'POST',
  path = REFERENCE_AUDIO_PATH,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${app.baseUrl}${path}`,
      {
        method,
        agent,
        headers: { ...authHeaders(app), 'content-length': String(body.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            localPort: req.socket?.localPort,
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function part(boundary: string, name: string, value: Buffer | string, filename?: string): Buffer {
  const disposition = `form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}`;
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`),
    Buffer.from(value),
    Buffer.from('\r\n'),
  ]);
}

function form(boundary: string, parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
}

function expectErrorShape(response: RawResponse, status: number, code: string): void {
  expect(response.status, response.body).toBe(status);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'request_id']);
  expect(body.code).toBe(code);
  expect(body.request_id).toMatch(UUID);
  expect(response.headers['x-request-id']).toBe(body.request_id);
}

describe('reference audio upload: malformed multipart', () => {
  let app: TestApp;
  const boundary = 'test-boundary-1234';
  const multipart = { 'content-type': `multipart/form-data; boundary=${boundary}` };

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  afterEach(async () => {
    expect(await listStoredKeys(app)).toEqual([]);
  });

  describe('an early 400 leaves the keep-alive connection usable', () => {
    // large enough that most of it is still unread when the 400 is sent
    const wav = makeSpeechWav(25, 48000);
    const cases: [string, Buffer][] = [
      [
        'a duplicate text field before the file',
        form(boundary, [
          part(boundary, 'text', 'one'),
          part(boundary, 'text', 'two'),
          part(boundary, 'file', wav, 'voice.wav'),
        ]),
      ],
      [
        'a field over 64 KiB before the file',
        form(boundary, [
          part(boundary, 'text', 'x'.repeat(70 * 1024)),
          part(boundary, 'file', wav, 'voice.wav'),
        ]),
      ],
      [
        'a second file part',
        form(boundary, [
          part(boundary, 'text', 'hello'),
          part(boundary, 'other', wav, 'other.wav'),
          part(boundary, 'file', wav, 'voice.wav'),
        ]),
      ],
    ];

    it.each(cases)(
      '%s: 400, then the next request on the same socket succeeds',
      async (_, body) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const refused = await send(app, agent, multipart, body);
          expectErrorShape(refused, 400, 'InvalidParameter');
          const next = await send(app, agent, {}, Buffer.alloc(0), 'GET', REFERENCE_AUDIO_PATH);
          expect(next.status, next.body).toBe(200);
          expect(JSON.parse(next.body)).toEqual([]);
        } finally {
          agent.destroy();
        }
      },
    );
  });

  describe('never a 500', () => {
    const valid = form(boundary, [
      part(boundary, 'text', 'hello'),
      part(boundary, 'file', makeSpeechWav(1), 'voice.wav'),
    ]);

    it('multipart without a boundary: 400', async () => {
      const response = await send(app, undefined, { 'content-type': 'multipart/form-data' }, valid);
      expectErrorShape(response, 400, 'InvalidParameter');
      expect(JSON.parse(response.body).message).toMatch(/malformed: .*boundary not found/i);
    });

    it('a boundary that is not the one in the body: 400', async () => {
      const response = await send(
        app,
        undefined,
        { 'content-type': 'multipart/form-data; boundary=not-the-boundary' },
        valid,
      );
      expectErrorShape(response, 400, 'InvalidParameter');
    });

    it('a body cut before its closing boundary: 400', async () => {
      const response = await send(app, undefined, multipart, valid.subarray(0, valid.length - 600));
      expectErrorShape(response, 400, 'InvalidParameter');
    });

    it('a body cut inside the part headers: 400', async () => {
      const response = await send(app, undefined, multipart, valid.subarray(0, 30));
      expectErrorShape(response, 400, 'InvalidParameter');
    });

    it.each(['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'])(
      'Content-Type %s: 415 in the common shape',
      async (contentType) => {
        const response = await send(app, undefined, { 'content-type': contentType }, valid);
        expectErrorShape(response, 415, 'UnsupportedMediaType');
      },
    );
  });
});
