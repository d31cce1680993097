import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../../src/inference/inference.types.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import { TaskSocket, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

const MAX_BUFFERED_BYTES = 256 * 1024;
const MAX_REFUSED_FRAMES = 1000;
/** Bounds the paused client's refused frames: far more than the cap needs, far fewer than ∞. */
const MAX_FLOOD_FRAMES = MAX_REFUSED_FRAMES - 1;

/** Resolves with true after `ms`. */
function sleep(ms: number): Promise<true> {
  return new Promise((resolve) => setTimeout(() => resolve(true), ms));
}

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** The service's JSON log lines, as it wrote them. */
class CapturedLog {
  readonly raw: string[] = [];

  write(chunk: string): void {
    this.raw.push(...chunk.split('\n').filter((line) => line !== ''));
  }

  get lines(): LogLine[] {
    return this.raw.map((line) => JSON.parse(line) as LogLine);
  }
}

describe('WebSocket output bounds: WS_MAX_BUFFERED_BYTES, WS_MAX_REFUSED_FRAMES, task id length', () => {
  let app: TestApp;
  let voice: string;
  let engine: InferenceProvider;
  let limiter: SynthesisLimiter;
  let metrics: MetricsService;
  const log = new CapturedLog();
  const sockets: TaskSocket[] = [];
  let endlessRuns = { started: 0, ended: 0 };

  /** The engine speaks any text in pieces as 1 s chunks (≈64 KB messages) until aborted. */
  function endlessEngine(): void {
    endlessRuns = { started: 0, ended: 0 };
    vi.spyOn(engine, 'synthesize').mockImplementation(async function* (
      input: SynthesisInput,
    ): AsyncGenerator<SpeechChunk> {
      endlessRuns.started++;
      try {
        for (;;) {
          await new Promise((resolve) => setImmediate(resolve));
          input.signal?.throwIfAborted();
          yield { samples: new Float32Array(24000).fill(0.1), modelSeconds: 0.01 };
        }
      } finally {
        endlessRuns.ended++;
      }
    });
  }

  /** A sample of a metric's value (summed over its labels matching `labels`). */
  async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = metrics.registry.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const { values } = await metric.get();
    return values
      .filter((value) =>
        Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
      )
      .reduce((total, value) => total + value.value, 0);
  }

  async function open(): Promise<TaskSocket> {
    const socket = await TaskSocket.open(app);
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    app = await startTestApp(
      {
        MODEL_DIR: await prepareTinyPack(),
        LOG_LEVEL: 'warn',
        WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
        WS_MAX_REFUSED_FRAMES: String(MAX_REFUSED_FRAMES),
        WS_MAX_FRAME_BYTES: String(64 * 1024),
      },
      { logDestination: log },
    );
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
    engine = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    limiter = app.app.get(SynthesisLimiter, { strict: false });
    metrics = app.app.get(MetricsService, { strict: false });
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.socket.terminate();
    await until(() => limiter.active === 0 && limiter.queued === 0, 'every slot free');
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('closes a client that stopped reading with 4001 once its unsent output would pass WS_MAX_BUFFERED_BYTES, and frees its slot', async () => {
    endlessEngine();
    const socket = await open();
    const taskId = 't'.repeat(128);
    socket.runTask(taskId, { mode: 'cross_lingual_replication', reference_audio_id: voice });
    await socket.next((event) => event.header.event === 'task-started');
    socket.socket.pause();
    socket.continueTask(taskId, '无尽的话。');
    await until(() => limiter.active === 1, 'the synthesis to hold a slot');

    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await metricValue('websocket_buffered_bytes'));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // The kernel's buffers fill with audio first; then a chunk stays in the server's own buffer
    // (what the cap bounds), and each refused frame's answer waits behind it.
    const waiting = async () => (await metricValue('websocket_buffered_bytes')) > 0;
    await until(
      async () => (await waiting()) && (await sleep(100)) && (await waiting()),
      'a chunk waiting in the server for the paused client',
      60_000,
    );
    let flood = 0;
    const closedForBuffer = () =>
      metricValue('websocket_server_closes_total', { reason: 'send_buffer_full' });
    while ((await closedForBuffer()) === 0 && flood < MAX_FLOOD_FRAMES) {
      socket.continueTask(`x${String(flood++).padStart(127, '0')}`, 'a');
      await sleep(2);
    }
    sampling = false;
    await sampler;
    expect(await closedForBuffer()).toBe(1);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(MAX_BUFFERED_BYTES);
    await until(() => limiter.active === 0, 'the slot freed');
    expect(endlessRuns).toEqual({ started: 1, ended: 1 });

    socket.socket.resume();
    const { code, reason } = await socket.waitForClose(20_000);
    expect(code).toBe(4001);
    expect(reason).toBe(
      `client too slow: over ${MAX_BUFFERED_BYTES} bytes to send (WS_MAX_BUFFERED_BYTES)`,
    );
    expect(
      log.lines.some(
        (line) => line.level === 'warn' && line.msg === 'closing a WebSocket that broke a limit',
      ),
    ).toBe(true);
  });

  it('answers WS_MAX_REFUSED_FRAMES refused frames, then closes with 1008 and stops the task', async () => {
    endlessEngine();
    const socket = await open();
    socket.runTask('kept', { mode: 'cross_lingual_replication', reference_audio_id: voice });
    await socket.next((event) => event.header.event === 'task-started');
    socket.continueTask('kept', '无尽的话。');
    await until(() => limiter.active === 1, 'the synthesis to hold a slot');
    const before = await metricValue('websocket_refused_frames_total');
    for (let frame = 0; frame < MAX_REFUSED_FRAMES + 5; frame++) {
      socket.finishTask(`ghost-${frame}`);
    }
    const { code, reason } = await socket.waitForClose(20_000);
    expect(code).toBe(1008);
    expect(reason).toBe(`too many refused frames: ${MAX_REFUSED_FRAMES} (WS_MAX_REFUSED_FRAMES)`);
    const refusals = socket.events.filter((event) => event.header.task_id.startsWith('ghost-'));
    expect(refusals).toHaveLength(MAX_REFUSED_FRAMES);
    expect(refusals.every((event) => event.header.error_code === 'ProtocolError')).toBe(true);
    expect((await metricValue('websocket_refused_frames_total')) - before).toBe(MAX_REFUSED_FRAMES);
    expect(
      await metricValue('websocket_server_closes_total', { reason: 'too_many_refused_frames' }),
    ).toBe(1);
    await until(() => limiter.active === 0, 'the slot freed');
    expect(endlessRuns).toEqual({ started: 1, ended: 1 });
  });

  it('refuses a task id over 128 characters with task_id "" and a message naming the limit', async () => {
    const socket = await open();
    const before = await metricValue('websocket_refused_frames_total', {
      reason: 'task_id_too_long',
    });
    socket.runTask('界'.repeat(5000), {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
    });
    const refusal = await socket.next((event) => event.header.event === 'task-failed');
    expect(refusal.header).toEqual({
      event: 'task-failed',
      task_id: '',
      attributes: {},
      error_code: 'ProtocolError',
      error_message: 'header.task_id has 5000 characters; the limit is 128',
    });
    expect(
      await metricValue('websocket_refused_frames_total', { reason: 'task_id_too_long' }),
    ).toBe(before + 1);
    const events = await socket.runWholeTask(
      '界'.repeat(128),
      { mode: 'cross_lingual_replication', reference_audio_id: voice },
      ['你好。'],
    );
    expect(events.at(-1)!.header.event).toBe('task-finished');
  });

  it('logs an over-size frame at warn without a stack, closes it with 1009 and counts it', async () => {
    const socket = await open();
    socket.socket.send('x'.repeat(100 * 1024));
    expect((await socket.waitForClose()).code).toBe(1009);
    await until(
      () => log.lines.some((line) => line.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'),
      'the log line',
    );
    const line = log.lines.find((entry) => entry.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')!;
    expect(line.level).toBe('warn');
    expect(line.err).toBe('Max payload size exceeded');
    expect(log.raw.join('\n')).not.toMatch(/RangeError|at Receiver/);
    expect(log.lines.some((entry) => entry.level === 'error')).toBe(false);
    expect(await metricValue('websocket_server_closes_total', { reason: 'frame_too_large' })).toBe(
      1,
    );
  });
});
