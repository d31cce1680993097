import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../../src/inference/inference.types.js';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import { TaskSocket, postSpeech, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

/** Text for which the stubbed engine speaks without end (until its signal aborts). */
const ENDLESS = '无尽的话。';
const STALL_MS = 1000;
const QUEUE_WAIT_MS = 4000;

describe('synthesis slots: stalled readers, queue wait, idle WebSocket tasks', () => {
  let app: TestApp;
  let voice: string;
  let engine: InferenceProvider;
  let limiter: SynthesisLimiter;
  const rawClients: Socket[] = [];
  const sockets: TaskSocket[] = [];
  let endlessRuns = { started: 0, ended: 0 };

  const body = (text: string, stream: boolean) => ({
    model: 'CosyVoice2-0.5B',
    input: { mode: 'cross_lingual_replication', reference_audio_id: voice, text },
    output_format: 'pcm',
    stream,
  });

  /**
   * The engine speaks ENDLESS (or any text in pieces) as 1 s chunks without end, every
   * `delayMs`, until aborted; other texts as the real engine does.
   */
  function endlessEngine(delayMs = 0): void {
    endlessRuns = { started: 0, ended: 0 };
    const original = engine.synthesize.bind(engine);
    vi.spyOn(engine, 'synthesize').mockImplementation(async function* (
      input: SynthesisInput,
    ): AsyncGenerator<SpeechChunk> {
      if (input.text !== ENDLESS && typeof input.text === 'string') {
        yield* original(input);
        return;
      }
      endlessRuns.started++;
      try {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          input.signal?.throwIfAborted();
          yield { samples: new Float32Array(24000).fill(0.1), modelSeconds: 0.01 };
        }
      } finally {
        endlessRuns.ended++;
      }
    });
  }

  /** An SSE request on a raw TCP connection whose client never reads a byte of the answer. */
  function stalledSseClient(): void {
    const json = JSON.stringify(body(ENDLESS, true));
    const socket = connect(Number(new URL(app.baseUrl).port), '127.0.0.1');
    socket.pause();
    socket.write(
      'POST /api/v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${app.token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
    );
    rawClients.push(socket);
  }

  /** A WebSocket task whose client stops reading once its synthesis runs. */
  async function stalledTaskClient(): Promise<void> {
    const socket = await TaskSocket.open(app);
    sockets.push(socket);
    socket.runTask('stalled', { mode: 'cross_lingual_replication', reference_audio_id: voice });
    await socket.next((event) => event.header.event === 'task-started');
    socket.socket.pause();
    socket.continueTask('stalled', ENDLESS);
  }

  beforeAll(async () => {
    app = await startTestApp({
      MODEL_DIR: await prepareTinyPack(),
      MAX_CONCURRENT_SYNTHESES: '2',
      SYNTHESIS_QUEUE_SIZE: '4',
      SYNTHESIS_QUEUE_WAIT_MS: String(QUEUE_WAIT_MS),
      STREAM_STALL_TIMEOUT_MS: String(STALL_MS),
    });
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
    engine = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    limiter = app.app.get(SynthesisLimiter, { strict: false });
  });

  afterEach(async () => {
    for (const client of rawClients.splice(0)) client.destroy();
    for (const socket of sockets.splice(0)) socket.socket.terminate();
    await until(() => limiter.active === 0, 'every slot free');
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('aborts the syntheses of an SSE and a WebSocket client that stopped reading, and serves a third client', async () => {
    endlessEngine();
    stalledSseClient();
    await stalledTaskClient();
    await until(() => limiter.active === 2, 'both stalled clients holding a slot');
    const started = Date.now();
    const third = await postSpeech(app, body('你好。', false));
    expect(third.status).toBe(200);
    const answer = (await third.json()) as { output: { audio: { data: string } } };
    expect(Buffer.from(answer.output.audio.data, 'base64').length).toBeGreaterThan(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(STALL_MS - 50);
    await until(() => limiter.active === 0, 'the stalled syntheses stopped');
    expect(endlessRuns).toEqual({ started: 2, ended: 2 });
  });

  it('answers 503 ServerBusy with Retry-After after SYNTHESIS_QUEUE_WAIT_MS in the queue', async () => {
    endlessEngine(100);
    for (const taskId of ['busy-1', 'busy-2']) {
      const socket = await TaskSocket.open(app);
      sockets.push(socket);
      socket.runTask(taskId, { mode: 'cross_lingual_replication', reference_audio_id: voice });
      await socket.next((event) => event.header.event === 'task-started');
      socket.continueTask(taskId, ENDLESS);
    }
    await until(() => limiter.active === 2, 'two running tasks');
    const started = Date.now();
    const refused = await postSpeech(app, body('你好。', true));
    expect(Date.now() - started).toBeGreaterThanOrEqual(QUEUE_WAIT_MS - 50);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toEqual({
      code: 'ServerBusy',
      message: `server busy: no synthesis slot came free within ${QUEUE_WAIT_MS} ms; retry later`,
      request_id: refused.headers.get('x-request-id'),
    });
    expect(limiter.queued).toBe(0);
  });

  it('holds no slot for a WebSocket task that has had run-task but no text yet', async () => {
    for (const taskId of ['idle-1', 'idle-2']) {
      const socket = await TaskSocket.open(app);
      sockets.push(socket);
      socket.runTask(taskId, { mode: 'cross_lingual_replication', reference_audio_id: voice });
      await socket.next((event) => event.header.event === 'task-started');
    }
    expect(limiter.active).toBe(0);
    const started = Date.now();
    const response = await postSpeech(app, body('你好。', false));
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(QUEUE_WAIT_MS);
  });
});
