import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';

/** A multipart upload body as the real FormData serialises it. */
async function uploadBody(name: string): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(makeSpeechWav(2))]), 'voice.wav');
  form.append('text', '希望你以后能够做得比我还好哟');
  form.append('name', name);
  const encoded = new Response(form);
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type') ?? '',
  };
}

/** Destroyed after each test, so a failed one leaves no connection holding the app open. */
const openRequests: ClientRequest[] = [];

/** What one `Expect: 100-continue` request saw, in order. */
interface ExpectingRequest {
  request: ClientRequest;
  /** Resolves when the server sent `100 Continue`. */
  continued: Promise<void>;
  /** Resolves with the final answer and its body. */
  answered: Promise<{ response: IncomingMessage; body: string; continuedFirst: boolean }>;
}

/**
 * Node's own HTTP client sending headers with `Expect: 100-continue` and waiting: the body goes
 * out only when the test says so (`request.write`/`end`), normally after `continued`.
 */
function expectingRequest(
  baseUrl: string,
  path: string,
  headers: Record<string, string | number>,
): ExpectingRequest {
  const request = httpRequest(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { ...headers, expect: '100-continue' },
  });
  openRequests.push(request);
  let continuedFirst = false;
  const continued = new Promise<void>((resolve) =>
    request.once('continue', () => {
      continuedFirst = true;
      resolve();
    }),
  );
  const answered = new Promise<{
    response: IncomingMessage;
    body: string;
    continuedFirst: boolean;
  }>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      const sawContinue = continuedFirst;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () =>
        resolve({ response, body: Buffer.concat(chunks).toString(), continuedFirst: sawContinue }),
      );
    });
  });
  request.flushHeaders();
  return { request, continued, answered };
}

describe('Expect: 100-continue is answered only when the body is about to be read', () => {
  let app: InProcessApp;
  let baseUrl: string;

  beforeAll(async () => {
    app = await startInProcessApp({ MAX_CONCURRENT_UPLOADS: '1', UPLOAD_QUEUE_SIZE: '0' });
    ({ baseUrl } = await app.listen());
  });

  afterEach(() => {
    for (const request of openRequests.splice(0)) request.destroy();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('an admitted upload gets 100 Continue; one beyond the upload limit gets 503 before it sends its body', async () => {
    const first = await uploadBody('held-upload');
    const held = expectingRequest(baseUrl, REFERENCE_AUDIO_PATH, {
      authorization: `Bearer ${app.token}`,
      'content-type': first.contentType,
      'content-length': first.body.length,
    });
    await held.continued;
    // Half the body: the upload holds the only upload slot while its body is read.
    held.request.write(first.body.subarray(0, first.body.length >> 1));

    const second = await uploadBody('refused-upload');
    const refused = expectingRequest(baseUrl, REFERENCE_AUDIO_PATH, {
      authorization: `Bearer ${app.token}`,
      'content-type': second.contentType,
      'content-length': second.body.length,
    });
    const refusal = await refused.answered;
    expect(refusal.continuedFirst).toBe(false);
    expect(refusal.response.statusCode).toBe(503);
    expect(refusal.response.headers['retry-after']).toMatch(/^\d+$/);
    expect(refusal.response.headers.connection).toBe('close');
    expect(JSON.parse(refusal.body)).toMatchObject({ code: 'ServerBusy' });

    held.request.end(first.body.subarray(first.body.length >> 1));
    const stored = await held.answered;
    expect(stored.continuedFirst).toBe(true);
    expect(stored.response.statusCode).toBe(200);
    expect(JSON.parse(stored.body)).toMatchObject({ name: 'held-upload' });
  });

  it('a wrong token gets 401 without 100 Continue', async () => {
    const { body, contentType } = await uploadBody('wrong-token');
    const refused = expectingRequest(baseUrl, REFERENCE_AUDIO_PATH, {
      authorization: `Bearer ${'x'.repeat(40)}`,
      'content-type': contentType,
      'content-length': body.length,
    });
    const answer = await refused.answered;
    expect(answer.continuedFirst).toBe(false);
    expect(answer.response.statusCode).toBe(401);
  });

  it('a JSON request gets 100 Continue, then its answer', async () => {
    const body = JSON.stringify({ text: '你好', reference_audio_id: 'no-such-voice' });
    const sent = expectingRequest(baseUrl, '/api/v1/audio/speech', {
      authorization: `Bearer ${app.token}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    await sent.continued;
    sent.request.end(body);
    const answer = await sent.answered;
    expect(answer.continuedFirst).toBe(true);
    expect(answer.response.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'InvalidParameter' });
  });
});
