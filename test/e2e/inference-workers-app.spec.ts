import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_PROVIDER } from '../../src/inference/inference.provider.js';
import type { InferenceWorkerPool } from '../../src/inference/worker/inference-worker.pool.js';
import type { WorkerPoolInferenceProvider } from '../../src/inference/worker/worker-pool.inference-provider.js';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import { prepareSlowPack } from '../support/slow-pack.js';
import {
  type SpeechEvent,
  TaskSocket,
  postSpeech,
  readSpeechEvents,
  uploadVoice,
} from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

/** Several sentences: on the slow pack every one costs at least one slow HiFT run. */
const LONG_TEXT =
  'The first sentence is here. The second one follows. A third comes after it. ' +
  'Then there is a fourth. And a fifth one ends it.';
const SHORT_TEXT = 'Hello there, this is a short test.';

/** Cost factor of the slow HiFT: each run multiplies this many 768 × 768 matrices. */
const SLOW_STEPS = 120;

/**
 * Milliseconds one run of the pack's slow HiFT graph takes here on one thread (the second of
 * two runs), measured in the test process: on the main thread, every such run would hold back
 * every HTTP answer for at least this long.
 */
async function hiftRunMs(modelDir: string): Promise<number> {
  const session = await InferenceSession.create(join(modelDir, 'CosyVoice2-0.5B_hift.onnx'), {
    intraOpNumThreads: 1,
  });
  try {
    const frames = 50;
    const feeds = {
      speech_feat: new Tensor('float32', new Float32Array(80 * frames), [1, 80, frames]),
    };
    await session.run(feeds);
    const started = performance.now();
    await session.run(feeds);
    return performance.now() - started;
  } finally {
    await session.release();
  }
}

describe('inference workers in the running service (slow tiny pack, 2 workers)', () => {
  let app: TestApp;
  let voice: string;
  let pool: InferenceWorkerPool;
  let modelDir: string;

  function speech(text: string, stream: boolean, signal?: AbortSignal): Promise<Response> {
    return postSpeech(
      app,
      {
        model: 'CosyVoice2-0.5B',
        input: { mode: 'cross_lingual_replication', reference_audio_id: voice, text, seed: 3 },
        stream,
        output_format: 'pcm',
      },
      { signal },
    );
  }

  /** Reads an SSE synthesis, noting when each event arrived. */
  async function timedEvents(response: Response): Promise<{ at: number; event: SpeechEvent }[]> {
    expect(response.status).toBe(200);
    const events: { at: number; event: SpeechEvent }[] = [];
    await readSpeechEvents(response, (event) => {
      events.push({ at: performance.now(), event });
    });
    return events;
  }

  async function ready(): Promise<{ status: number; workers?: string }> {
    const response = await fetch(`${app.baseUrl}/ready`);
    const body = (await response.json()) as { checks: { model: { workers?: string } } };
    return { status: response.status, workers: body.checks.model.workers };
  }

  /** The slowest of five /health answers while no synthesis runs. */
  async function healthLatencyMs(): Promise<number> {
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = performance.now();
      expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
      latencies.push(performance.now() - sent);
    }
    return Math.max(...latencies);
  }

  const active = () => pool.usage().map((worker) => worker.activeSyntheses);

  beforeAll(async () => {
    modelDir = await prepareSlowPack(768, SLOW_STEPS);
    app = await startTestApp({
      MODEL_DIR: modelDir,
      INFERENCE_WORKERS: '2',
      INFERENCE_THREADS: '1',
      MAX_CONCURRENT_SYNTHESES: '2',
    });
    voice = await uploadVoice(app, 180, 'A gliding tone.');
    pool = app.app.get<WorkerPoolInferenceProvider>(INFERENCE_PROVIDER, { strict: false }).pool;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('reports both workers loaded in /ready', async () => {
    expect(await ready()).toEqual({ status: 200, workers: '2/2 loaded' });
  });

  it('keeps /health answering quickly while a slow graph runs', async () => {
    // Both measured now, under the load the polls below see: one slow graph run, and /health
    // while nothing runs. The fixture must be slow enough to show it: a run is many answers long.
    const slowRunMs = await hiftRunMs(modelDir);
    const idleMs = await healthLatencyMs();
    expect(slowRunMs).toBeGreaterThan(6 * idleMs);
    const synthesis = speech(LONG_TEXT, true).then(timedEvents);
    let finished = false;
    void synthesis.finally(() => (finished = true));
    const latencies: number[] = [];
    while (!finished) {
      const sent = performance.now();
      const response = await fetch(`${app.baseUrl}/health`);
      expect(response.status).toBe(200);
      latencies.push(performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const events = await synthesis;
    expect(events.at(-1)?.event.output.finish_reason).toBe('stop');
    // at least two slow HiFT runs happened while /health was polled, and no answer waited for one
    expect(latencies.reduce((sum, ms) => sum + ms + 20, 0)).toBeGreaterThan(2 * slowRunMs);
    expect(Math.max(...latencies)).toBeLessThan(slowRunMs / 2);
  });

  it('runs two syntheses on two workers at once: their chunks interleave', async () => {
    const both = Promise.all([
      speech(LONG_TEXT, true).then(timedEvents),
      speech(LONG_TEXT, true).then(timedEvents),
    ]);
    await until(() => active().every((count) => count === 1), 'one synthesis on each worker');
    const [first, second] = await both;
    for (const events of [first, second]) {
      expect(events.at(-1)?.event.output.finish_reason).toBe('stop');
      expect(events.length).toBeGreaterThan(3);
    }
    const audioTimes = (events: typeof first) => events.slice(0, -1).map((event) => event.at);
    const [a, b] = [audioTimes(first), audioTimes(second)];
    expect(a[0]).toBeLessThan(b.at(-1)!);
    expect(b[0]).toBeLessThan(a.at(-1)!);
  });

  it('aborts the run inside the worker when the client disconnects', async () => {
    const limiter = app.app.get(SynthesisLimiter, { strict: false });
    // One slow graph run, measured now: the rest of the text would take at least four more.
    const slowRunMs = await hiftRunMs(modelDir);
    const busyBefore = pool.usage().reduce((sum, worker) => sum + worker.busySeconds, 0);
    const client = new AbortController();
    const response = await speech(LONG_TEXT, true, client.signal);
    await readSpeechEvents(response, () => false);
    client.abort();
    const left = performance.now();
    await until(() => active().every((count) => count === 0) && limiter.active === 0, 'idle');
    // The run stops after the graph run in progress, not after the text.
    expect(performance.now() - left).toBeLessThan(3 * slowRunMs);
    const busyAfterStop = pool.usage().reduce((sum, worker) => sum + worker.busySeconds, 0);
    // Long enough for a run that went on to finish a graph run and count its busy time.
    await new Promise((resolve) => setTimeout(resolve, 2 * slowRunMs));
    expect(pool.usage().reduce((sum, worker) => sum + worker.busySeconds, 0)).toBe(busyAfterStop);
    expect(busyAfterStop).toBeGreaterThan(busyBefore);
  });

  it('fails only the requests of a worker that dies, replaces it, and serves the next request', async () => {
    const streamed = speech(LONG_TEXT, true);
    await until(() => active()[0] === 1, 'the first synthesis on worker 0');
    const whole = speech(SHORT_TEXT, false);
    await until(() => active()[1] === 1, 'the second synthesis on worker 1');
    const events: SpeechEvent[] = [];
    const reading = readSpeechEvents(await streamed, (event) => {
      events.push(event);
    });
    await until(() => events.length > 0, 'the first audio event');
    await pool.terminateWorker(0);
    expect(await ready()).toEqual({ status: 503, workers: '1/2 loaded, 1 restarting' });

    await reading;
    expect(events.length).toBeGreaterThan(1);
    expect(events.at(-1)?.error?.code).toBe('EngineFailed');
    expect(events.at(-1)?.output.finish_reason).toBe('error');
    const answer = await whole;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as SpeechEvent).output.audio.data.length).toBeGreaterThan(0);

    await until(async () => (await ready()).status === 200, 'the replacement worker');
    expect(await ready()).toEqual({ status: 200, workers: '2/2 loaded' });
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^inference_worker_restarts_total 1$/m);

    // Before any audio: 500 EngineFailed in the common error shape.
    const doomed = speech(SHORT_TEXT, false);
    await until(() => active().some((count) => count === 1), 'a synthesis');
    await pool.terminateWorker(active().indexOf(1));
    const failed = await doomed;
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ code: 'EngineFailed' });

    const next = await speech(SHORT_TEXT, false);
    expect(next.status).toBe(200);
  });

  it('reports task-failed EngineFailed on a WebSocket whose worker dies', async () => {
    await until(async () => (await ready()).status === 200, 'every worker loaded');
    const socket = await TaskSocket.open(app);
    socket.runTask('t1', {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
      output_format: 'pcm',
      sample_rate: 24000,
    });
    await socket.next((event) => event.header.event === 'task-started');
    socket.continueTask('t1', LONG_TEXT);
    socket.finishTask('t1');
    await until(() => active().some((count) => count === 1), 'the task on a worker');
    await pool.terminateWorker(active().indexOf(1));
    const failed = await socket.next((event) => event.header.event === 'task-failed');
    expect(failed.header.error_code).toBe('EngineFailed');
    socket.socket.close();
  });
});
