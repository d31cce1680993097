import fc from 'fast-check';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { rawRequest as sendRaw, type RawResponse } from '../support/raw-http.js';
import { WS_PATH } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Property-based fuzzing of everything a client can send: JSON bodies, query strings, paths,
 * multipart uploads and WebSocket frames. Whatever arrives, the service never answers 500,
 * never dies, answers every error in the common shape, and stores nothing it refused.
 * Runs are bounded (count and time) to fit CI's budget; a failure prints its seed and the
 * shrunk counterexample.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** A fixed seed keeps CI repeatable; set FUZZ_SEED (or FUZZ_SEED=random) to explore further. */
const SEED =
  process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261201);
const SPEECH_PATH = '/api/v1/audio/speech';

/** One HTTP exchange with exactly these bytes as path and body (no normalisation). */
function rawRequest(
  app: TestApp,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<RawResponse> {
  return sendRaw(app.baseUrl, method, path, { headers, body });
}

/** An error answer: 4xx/503 (never another 5xx) in the common `{code,message,request_id}` shape. */
function expectCommonError(answer: RawResponse, context: string): void {
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect([500, 501, 502, 504], context).not.toContain(answer.status);
  expect(answer.status < 500 || answer.status === 503 || answer.status === 507, context).toBe(true);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(typeof body.code, context).toBe('string');
  expect(typeof body.message, context).toBe('string');
  expect(body.request_id, context).toBe(answer.headers['x-request-id']);
}

/** JSON arrays nested `depth` levels deep, as text (JSON.stringify itself would overflow). */
function deepJson(depth: number, leaf: string): string {
  return '['.repeat(depth) + leaf + ']'.repeat(depth);
}

/** `{"a":{"a":...1...}}`, `depth` objects deep, as text. */
function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const anyJson = fc.jsonValue({ maxDepth: 5 });

/** A speech body near the valid one: each field valid, absent, or any JSON value. */
const speechBody = fc.record(
  {
    model: fc.oneof(fc.constant('CosyVoice2-0.5B'), anyJson),
    stream: fc.oneof(fc.boolean(), anyJson),
    input: fc.oneof(
      fc.record(
        {
          mode: fc.oneof(
            fc.constantFrom(
              'fast_replication',
              'cross_lingual_replication',
              'natural_language_replication',
            ),
            anyJson,
          ),
          text: fc.oneof(fc.string({ maxLength: 200 }), anyJson),
          reference_audio_id: fc.oneof(fc.uuid(), fc.string({ maxLength: 80 }), anyJson),
          instruct: fc.oneof(fc.string({ maxLength: 200 }), anyJson),
          output_format: fc.oneof(fc.constantFrom('wav', 'mp3', 'pcm', 'opus', 'flac'), anyJson),
          sample_rate: fc.oneof(fc.integer({ min: -1, max: 200_000 }), anyJson),
          speed: fc.oneof(fc.double({ noNaN: false }), anyJson),
          volume: fc.oneof(fc.double({ noNaN: false }), anyJson),
          seed: fc.oneof(fc.integer(), anyJson),
        },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
  },
  { requiredKeys: [] },
);

/** Path pieces that a router, a decoder or a guard could each read differently. */
const pathSegment = fc.oneof(
  fc.constantFrom(
    'api',
    '%61pi',
    'a%70i',
    '%61%70%69',
    'API',
    'v1',
    'audio',
    'speech',
    'reference_audio',
    'api-ws',
    '..',
    '.',
    '%2e%2e',
    '%2F',
    '%ZZ',
    '%',
    '%00',
    ';',
    'health',
    'ready',
    'docs',
    'x'.repeat(300),
  ),
  fc.stringMatching(/^[A-Za-z0-9._~%-]{0,40}$/),
);
const fuzzPath = fc
  .tuple(fc.array(pathSegment, { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([segments, trailing]) => `/${segments.join('/')}${trailing ? '/' : ''}`);

describe('fuzzing every input a client controls', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  async function storedCount(): Promise<number> {
    const answer = await rawRequest(app, 'GET', `${REFERENCE_AUDIO_PATH}?limit=1000`, {
      ...authHeaders(app),
    });
    expect(answer.status).toBe(200);
    return (JSON.parse(answer.body) as unknown[]).length;
  }

  async function storedFiles(): Promise<string[]> {
    const dir = join(app.tempDir, 'audio');
    return readdir(dir, { recursive: true }).catch(() => []);
  }

  it('JSON speech bodies near the valid one: never a 5xx other than 503, always the common error shape', async () => {
    await fc.assert(
      fc.asyncProperty(speechBody, async (body) => {
        const answer = await rawRequest(
          app,
          'POST',
          SPEECH_PATH,
          { ...authHeaders(app), 'content-type': 'application/json' },
          JSON.stringify({ ...body, stream: false }),
        );
        expectCommonError(answer, JSON.stringify(body));
      }),
      { seed: SEED, numRuns: RUNS * 3, interruptAfterTimeLimit: 15_000 },
    );
  });

  it('JSON bodies of any shape, any depth and broken syntax: 400/413 in the common shape', async () => {
    /** Deep bodies are described by their depth, so a failure prints a short counterexample. */
    const body = fc.oneof(
      anyJson.map((value) => ({ text: JSON.stringify(value) })),
      fc.string({ maxLength: 100 }).map((text) => ({ text })),
      fc.record({ arrayDepth: fc.integer({ min: 100, max: 20_000 }) }),
      fc.record({ inputDepth: fc.integer({ min: 100, max: 20_000 }) }),
    );
    const bodyText = (spec: { text?: string; arrayDepth?: number; inputDepth?: number }): string =>
      spec.text ??
      (spec.arrayDepth !== undefined
        ? deepJson(spec.arrayDepth, '1')
        : `{"model":"CosyVoice2-0.5B","input":${deepObject(spec.inputDepth ?? 0)}}`);
    await fc.assert(
      fc.asyncProperty(body, async (spec) => {
        const answer = await rawRequest(
          app,
          'POST',
          SPEECH_PATH,
          { ...authHeaders(app), 'content-type': 'application/json' },
          bodyText(spec),
        );
        expectCommonError(answer, JSON.stringify(spec));
      }),
      { seed: SEED, numRuns: RUNS * 2, interruptAfterTimeLimit: 15_000 },
    );
  });

  it('query strings of the list: 200 with a list, or 400 in the common shape', async () => {
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom('limit', 'order', 'offset'), fc.string({ maxLength: 8 })),
      fc.oneof(
        fc.constantFrom('1', '1000', '1001', '0', '-1', 'asc', 'desc', 'ASC', '1e3', '', '%ZZ'),
        fc.string({ maxLength: 20 }),
      ),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const search = Object.entries(params)
          .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
          .join('&');
        const answer = await rawRequest(app, 'GET', `${REFERENCE_AUDIO_PATH}?${search}`, {
          ...authHeaders(app),
        });
        if (answer.status === 200) {
          expect(Array.isArray(JSON.parse(answer.body)), search).toBe(true);
        } else {
          expect(answer.status, search).toBe(400);
          expectCommonError(answer, search);
        }
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('paths without a token: never data, never a 5xx, errors in the common shape', async () => {
    /** The public routes answer in their own shapes (/ready its checks, /docs and / HTML, ...). */
    const publicPaths = new Set(['/health', '/ready', '/docs', '/docs/', '/docs-json', '/metrics']);
    await fc.assert(
      fc.asyncProperty(fuzzPath, fc.constantFrom('GET', 'POST', 'DELETE'), async (path, method) => {
        const answer = await rawRequest(
          app,
          method,
          path,
          {
            'content-type': 'application/json',
          },
          method === 'POST' ? '{}' : undefined,
        );
        const context = `${method} ${path}`;
        if (publicPaths.has(path) || /^\/(index\.html|assets\/.*)?$/.test(path)) {
          expect(answer.status < 500 || answer.status === 503, context).toBe(true);
          return;
        }
        expect(answer.status, context).toBeGreaterThanOrEqual(400);
        expect(answer.status < 500, context).toBe(true);
        expectCommonError(answer, context);
      }),
      { seed: SEED, numRuns: RUNS * 3, interruptAfterTimeLimit: 15_000 },
    );
    expect(await storedCount()).toBe(0);
  });

  it('multipart uploads with any parts, boundaries and truncations: 4xx in the common shape, nothing stored', async () => {
    const part = fc.record({
      name: fc.oneof(fc.constantFrom('file', 'text', 'sample_rate'), fc.string({ maxLength: 10 })),
      filename: fc.option(
        fc.oneof(
          fc.constantFrom('a.wav', 'a.mp3', 'a.pcm', '../x.wav', ''),
          fc.string({ maxLength: 20 }),
        ),
      ),
      value: fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 4000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        fc.constant('RIFF\u0024\u0000\u0000\u0000WAVEfmt '),
        fc.constant('ID3\u0003\u0000\u0000\u0000\u0000\u0000\u0000'),
      ),
    });
    const upload = fc.record({
      parts: fc.array(part, { maxLength: 5 }),
      boundary: fc.constantFrom('fuzzboundary', 'a', '', '--'),
      declared: fc.constantFrom('same', 'other', 'none', 'not-multipart'),
      cut: fc.option(fc.nat({ max: 5000 })),
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(upload, async ({ parts, boundary, declared, cut }) => {
        const body = Buffer.from(
          parts
            .map(
              (p) =>
                `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"` +
                (p.filename === null ? '' : `; filename="${p.filename}"`) +
                `\r\n\r\n${p.value}\r\n`,
            )
            .join('') + `--${boundary}--\r\n`,
          'latin1',
        );
        const sent = cut === null ? body : body.subarray(0, Math.min(cut, body.length));
        const contentType = {
          same: `multipart/form-data; boundary=${boundary}`,
          other: 'multipart/form-data; boundary=somethingelse',
          none: 'multipart/form-data',
          'not-multipart': 'text/plain',
        }[declared];
        const answer = await rawRequest(
          app,
          'POST',
          REFERENCE_AUDIO_PATH,
          { ...authHeaders(app), 'content-type': contentType },
          sent,
        );
        const context = `${declared} ${JSON.stringify(sent.toString('latin1').slice(0, 300))}`;
        if (answer.status === 200) {
          accepted++;
          return;
        }
        expect(answer.status < 500, context).toBe(true);
        expectCommonError(answer, context);
      }),
      { seed: SEED, numRuns: RUNS * 2, interruptAfterTimeLimit: 20_000 },
    );
    expect(accepted).toBe(0);
    expect(await storedCount()).toBe(0);
    expect(await storedFiles()).toEqual([]);
  });

  it('WebSocket frames of any kind: the process lives, every failure is a task-failed with a code, closes are deliberate', async () => {
    const runTask = (parametersJson: string): string =>
      `{"header":{"action":"run-task","task_id":"fuzz","streaming":"duplex"},` +
      `"payload":{"task_group":"audio","task":"tts","function":"SpeechSynthesizer",` +
      `"model":"cosyvoice-v2","parameters":${parametersJson},"input":{}}}`;
    const frame = fc.oneof(
      fc.string({ maxLength: 200 }),
      anyJson.map((value) => JSON.stringify(value)),
      fc
        .record({
          action: fc.oneof(fc.constantFrom('run-task', 'continue-task', 'finish-task'), anyJson),
          task_id: fc.oneof(fc.string({ maxLength: 40 }), anyJson),
          payload: anyJson,
        })
        .map(({ action, task_id, payload }) =>
          JSON.stringify({ header: { action, task_id, streaming: 'duplex' }, payload }),
        ),
      fc.integer({ min: 100, max: 10_000 }).map((depth) => runTask(deepObject(depth))),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
        const socket = new WebSocket(`${app.wsUrl}${WS_PATH}`, { headers: authHeaders(app) });
        const messages: Record<string, unknown>[] = [];
        let closeCode: number | undefined;
        socket.on('message', (data) =>
          messages.push(JSON.parse(data.toString()) as Record<string, unknown>),
        );
        const closed = new Promise<void>((resolve) =>
          socket.on('close', (code) => {
            closeCode = code;
            resolve();
          }),
        );
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => resolve());
          socket.once('error', reject);
        });
        for (const data of frames) {
          socket.send(data);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        socket.close(1000);
        await closed;
        expect([1000, 1003, 1007, 1008, 1009], JSON.stringify(closeCode)).toContain(closeCode);
        for (const message of messages) {
          const header = message.header as Record<string, unknown>;
          if (header.event === 'task-failed') {
            expect(typeof header.error_code).toBe('string');
            expect(typeof header.error_message).toBe('string');
          }
        }
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 15_000 },
    );
    const health = await rawRequest(app, 'GET', '/health', {});
    expect(health.status).toBe(200);
  });
});
