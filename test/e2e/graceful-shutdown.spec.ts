import { request as httpRequest, type IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeAudio } from '../../src/audio/audio-decoder.js';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../../src/inference/inference.types.js';
import { exitOnShutdownSignals } from '../../src/lifecycle/shutdown-signals.js';
import { SynthesisDrain } from '../../src/lifecycle/synthesis-drain.js';
import {
  TaskSocket,
  joinAudio,
  postSpeech,
  readSpeechEvents,
  uploadVoice,
  type SpeechEvent,
} from '../support/speech-clients.js';
import { prepareBuiltService, type BuiltService } from '../support/built-service.js';
import type { ServiceProcess } from '../support/service-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

const TEXT = '收到好友从远方寄来的生日礼物。';

interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A POST on its own new connection whose headers and first half of the body leave at once; the
 * rest is sent by `finish()`. Until then the request is in progress on an open connection.
 */
function startedRequest(app: TestApp, path: string, body: string) {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const request = httpRequest(`${app.baseUrl}${path}`, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${app.token}`,
      'content-type': 'application/json',
      'content-length': String(bytes.length),
    },
  });
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
    });
  });
  request.write(bytes.subarray(0, half));
  return {
    answer,
    finish: () => request.end(bytes.subarray(half)),
  };
}

/** A GET on a new connection; rejects with the socket error when no connection can be made. */
function freshGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', reject);
    request.end();
  });
}

describe('graceful shutdown (real engine on the tiny pack)', () => {
  let app: TestApp | undefined;
  let closing: Promise<void> | undefined;

  async function start(env: Record<string, string>) {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack(), ...env });
    const voice = await uploadVoice(app, 190, '希望你以后能够做得比我还好哟');
    const engine = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    const drain = app.app.get(SynthesisDrain, { strict: false });
    const dataSource = app.app.get(DataSource, { strict: false });
    return { app, voice, engine, drain, dataSource };
  }

  /** Starts the same shutdown the signal handler runs (Nest's close) and times it. */
  function shutDown(running: TestApp): Promise<number> {
    const started = performance.now();
    closing = running.close();
    return closing.then(() => performance.now() - started);
  }

  function speechBody(voice: string) {
    return {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'cross_lingual_replication', text: TEXT, reference_audio_id: voice, seed: 11 },
    };
  }

  afterEach(async () => {
    vi.restoreAllMocks();
    if (app && !closing) {
      await app.close();
    }
    await closing?.catch(() => undefined);
    app = undefined;
    closing = undefined;
  });

  it('lets an in-flight SSE synthesis finish, refuses new work, closes WebSockets with 1001, then the database', async () => {
    const { app, voice, engine, drain, dataSource } = await start({ SHUTDOWN_GRACE_MS: '30000' });
    const alone = joinAudio(await readSpeechEvents(await postSpeech(app, speechBody(voice))));

    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const original = engine.synthesize.bind(engine);
    vi.spyOn(engine, 'synthesize').mockImplementation(async function* (input: SynthesisInput) {
      await gate;
      yield* original(input);
    });
    const inFlight = postSpeech(app, speechBody(voice)).then((response) =>
      readSpeechEvents(response),
    );
    await until(() => drain.active === 1, 'the synthesis to be admitted');
    const socket = await TaskSocket.open(app);
    const late = startedRequest(app, '/api/v1/audio/speech', JSON.stringify(speechBody(voice)));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const closed = shutDown(app);
    await until(() => drain.isDraining, 'the drain to begin');

    await expect(freshGet(`${app.baseUrl}/health`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    late.finish();
    const refused = await late.answer;
    expect(refused.status).toBe(503);
    expect(refused.headers.connection).toBe('close');
    expect(JSON.parse(refused.body)).toEqual({
      code: 'ServiceUnavailable',
      message: 'the server is shutting down and takes no new syntheses; retry on another instance',
      request_id: refused.headers['x-request-id'],
    });

    const ready = await app.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'unavailable',
      checks: { shutdown: { status: 'error' } },
    });

    socket.runTask('during-drain', {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
      output_format: 'wav',
    });
    const failed = await socket.next((event) => event.header.task_id === 'during-drain');
    expect(failed.header).toMatchObject({
      event: 'task-failed',
      error_code: 'ServiceUnavailable',
    });

    expect(socket.closeCode).toBeUndefined();
    expect(dataSource.isInitialized).toBe(true);
    open();
    const events: SpeechEvent[] = await inFlight;
    expect(events.every((event) => event.error === null)).toBe(true);
    expect(events.at(-1)!.output.finish_reason).toBe('stop');
    const audio = joinAudio(events);
    expect(audio.equals(alone)).toBe(true);
    const decoded = await decodeAudio(audio);
    expect(decoded.sampleRate).toBe(24000);
    expect(decoded.samples.length / decoded.sampleRate).toBeGreaterThan(0.5);

    expect((await socket.waitForClose()).code).toBe(1001);
    expect(await closed).toBeLessThan(30_000);
    expect(dataSource.isInitialized).toBe(false);
  });

  it('aborts what still runs at the end of a short grace period: SSE error event, WebSocket task-failed, then 1001', async () => {
    const { app, voice, engine, drain, dataSource } = await start({ SHUTDOWN_GRACE_MS: '300' });
    const original = engine.synthesize.bind(engine);
    vi.spyOn(engine, 'synthesize').mockImplementation(async function* (input: SynthesisInput) {
      let first = true;
      for await (const chunk of original(input) as AsyncIterable<SpeechChunk>) {
        yield chunk;
        if (first) {
          first = false;
          await new Promise((resolve) => input.signal!.addEventListener('abort', resolve));
        }
      }
    });
    const sse = await postSpeech(app, speechBody(voice));
    expect(sse.status).toBe(200);
    const events = readSpeechEvents(sse);
    const socket = await TaskSocket.open(app);
    socket.runTask('held', {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
      output_format: 'wav',
    });
    await socket.next((event) => event.header.event === 'task-started');
    socket.continueTask('held', TEXT);
    socket.finishTask('held');
    await socket.next((event) => event.header.event === 'result-generated');
    expect(drain.active).toBe(2);

    const elapsed = await shutDown(app);

    const sseEvents = await events;
    expect(sseEvents[0].output.audio.data.length).toBeGreaterThan(0);
    expect(sseEvents.at(-1)).toMatchObject({
      output: { finish_reason: 'error' },
      error: {
        code: 'ServiceUnavailable',
        message: 'the server shut down before this synthesis finished (grace period 300 ms)',
      },
    });
    const taskEnd = socket.events.at(-1)!;
    expect(taskEnd.header).toMatchObject({
      event: 'task-failed',
      task_id: 'held',
      error_code: 'ServiceUnavailable',
    });
    expect((await socket.waitForClose()).code).toBe(1001);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(5000);
    expect(dataSource.isInitialized).toBe(false);
  });

  it('runs that shutdown on SIGTERM and then exits with 0', async () => {
    const { app, dataSource } = await start({ SHUTDOWN_GRACE_MS: '30000' });
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    exitOnShutdownSignals(app.app);
    process.kill(process.pid, 'SIGTERM');
    await until(() => exit.mock.calls.length > 0, 'the process to exit');
    expect(exit).toHaveBeenCalledWith(0);
    expect(dataSource.isInitialized).toBe(false);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('SIGTERM to the built service (node dist/main.js as its own process)', () => {
  const token = 'shutdown-process-token-0123456789abcdef0123456789';
  let built: BuiltService | undefined;
  let service: ServiceProcess | undefined;
  let exitCode: Promise<number | null> | undefined;

  beforeAll(async () => {
    built = await prepareBuiltService('shutdown-e2e', {
      API_TOKENS: token,
      SHUTDOWN_GRACE_MS: '20000',
    });
    service = await built.start();
  });

  afterAll(async () => {
    await (exitCode ?? service?.stop());
    await built?.dispose();
  });

  it('drains: the port closes, a WebSocket task in flight still finishes, then 1001 and exit 0', async () => {
    const running = service!;
    const client = {
      baseUrl: running.baseUrl,
      wsUrl: running.baseUrl.replace('http', 'ws'),
      token,
    };
    const voice = await uploadVoice(client, 210, '希望你以后能够做得比我还好哟');
    const socket = await TaskSocket.open(client);
    socket.runTask('in-flight', {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
      output_format: 'wav',
      seed: 5,
    });
    await socket.next((event) => event.header.event === 'task-started');
    socket.continueTask('in-flight', '第一句话。');

    const sent = performance.now();
    exitCode = running.stop();
    await until(
      () => /shutting down on SIGTERM/.test(running.output()),
      'the service to log the shutdown',
    );
    await expect(freshGet(`${running.baseUrl}/health`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });

    socket.continueTask('in-flight', '第二句话。');
    socket.finishTask('in-flight');
    const events = await socket.taskEnd('in-flight');
    expect(events.at(-1)!.header.event).toBe('task-finished');
    const audio = Buffer.concat(
      events
        .filter((event) => event.header.event === 'result-generated')
        .map((event) => Buffer.from(event.payload.output!.audio!.data, 'base64')),
    );
    expect((await decodeAudio(audio)).samples.length).toBeGreaterThan(0);
    expect((await socket.waitForClose()).code).toBe(1001);
    expect(await exitCode).toBe(0);
    expect(performance.now() - sent).toBeLessThan(20_000);
  });
});
