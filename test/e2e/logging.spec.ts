import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import {
  type SpeechEvent,
  TaskSocket,
  WS_PATH,
  handshakeStatus,
  postSpeech,
  readSpeechEvents,
  taskAudioChunks,
  uploadVoice,
} from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

const TEXT = '收到好友从远方寄来的生日礼物。';

interface LogLine {
  level: string;
  time: string;
  msg: string;
  reqId?: string;
  taskId?: string;
  context?: string;
  url?: string;
  req?: { method: string; url: string };
  [field: string]: unknown;
}

/** The service's log output, line by line, as it wrote it. */
class CapturedLog {
  readonly raw: string[] = [];

  write(chunk: string): void {
    this.raw.push(...chunk.split('\n').filter((line) => line !== ''));
  }

  get lines(): LogLine[] {
    return this.raw.map((line) => JSON.parse(line) as LogLine);
  }

  /** The lines from a request's "incoming request" line to its "request completed" line. */
  ofRequest(reqId: string): LogLine[] {
    const lines = this.lines;
    const first = lines.findIndex((line) => line.reqId === reqId);
    const last = lines.findLastIndex((line) => line.reqId === reqId);
    expect(first, `no line with reqId ${reqId}`).toBeGreaterThanOrEqual(0);
    expect(lines[first].msg).toBe('incoming request');
    expect(lines[last].msg).toBe('request completed');
    return lines.slice(first, last + 1);
  }
}

describe('JSON logs (LOG_LEVEL=info, real engine on the tiny pack)', () => {
  const log = new CapturedLog();
  let app: TestApp;
  let voice: string;
  /** Base64 audio the service sent: none of it may appear in the log. */
  const audioSent: string[] = [];

  beforeAll(async () => {
    app = await startTestApp(
      { MODEL_DIR: await prepareTinyPack(), LOG_LEVEL: 'info' },
      { logDestination: log },
    );
    voice = await uploadVoice(app, 210, '希望你以后能够做得比我还好哟');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
  });

  it("writes Nest's own lines (module start-up) as JSON with level, time and context", () => {
    const lines = log.lines;
    const started = lines.find((line) => line.msg === 'Nest application successfully started');
    expect(started).toMatchObject({ level: 'info', context: 'NestApplication' });
    expect(new Date(started!.time).toISOString()).toBe(started!.time);
    expect(started!.reqId).toBeUndefined();
  });

  it('puts the request id on every line of a request, including service logs', async () => {
    const engine = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    vi.spyOn(engine, 'synthesize').mockImplementation(async function* () {
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield* [];
      throw new Error('graph exploded');
    });
    const response = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', text: TEXT, reference_audio_id: voice },
      stream: false,
    });
    expect(response.status).toBe(500);
    const reqId = response.headers.get('x-request-id')!;
    await until(() => log.lines.some((line) => line.reqId === reqId && line.res), 'request end');

    const lines = log.ofRequest(reqId);
    expect(lines.every((line) => line.reqId === reqId)).toBe(true);
    const serviceLine = lines.find((line) => line.context === 'SynthesisService');
    expect(serviceLine).toMatchObject({ level: 'error', reqId });
    expect(serviceLine!.msg).toContain('graph exploded');
    expect(lines[0].req).toEqual({
      method: 'POST',
      url: '/api/v1/audio/speech',
      remoteAddress: '127.0.0.1',
    });
  });

  it('logs request URLs with ?token= redacted', async () => {
    const response = await fetch(
      `${app.baseUrl}/api/v1/audio/reference_audio?limit=1&token=${app.token}`,
    );
    expect(response.status).toBe(401);
    const reqId = response.headers.get('x-request-id')!;
    await until(() => log.lines.some((line) => line.reqId === reqId && line.res), 'request end');
    expect(log.ofRequest(reqId)[0].req!.url).toBe(
      '/api/v1/audio/reference_audio?limit=1&token=[redacted]',
    );
  });

  it('leaves health, readiness and metrics probes out of the info log', async () => {
    const probes = await Promise.all(
      ['/health', '/ready', '/metrics'].map((path) => fetch(`${app.baseUrl}${path}`)),
    );
    expect(probes.map((response) => response.status)).toEqual([200, 200, 200]);
    const probeIds = new Set(probes.map((response) => response.headers.get('x-request-id')));
    const listed = await fetch(`${app.baseUrl}/api/v1/audio/reference_audio?limit=1`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    const listId = listed.headers.get('x-request-id')!;
    await until(() => log.lines.some((line) => line.reqId === listId && line.res), 'request end');
    expect(log.lines.filter((line) => probeIds.has(line.reqId ?? ''))).toEqual([]);
    expect(log.ofRequest(listId)).toHaveLength(2);
  });

  it('keeps streamed and whole-file audio out of the log', async () => {
    const sse = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'cross_lingual_replication', text: TEXT, reference_audio_id: voice },
    });
    const events = await readSpeechEvents(sse);
    audioSent.push(...events.map((event) => event.output.audio.data).filter(Boolean));
    const whole = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', text: TEXT, reference_audio_id: voice },
      stream: false,
    });
    expect(whole.status).toBe(200);
    audioSent.push(((await whole.json()) as SpeechEvent).output.audio.data);
    for (const response of [sse, whole]) {
      const reqId = response.headers.get('x-request-id')!;
      await until(() => log.lines.some((line) => line.reqId === reqId && line.res), 'request end');
      expect(log.ofRequest(reqId).every((line) => line.reqId === reqId)).toBe(true);
    }
  });

  it('gives each WebSocket connection an id on its lines, the task id on task lines, no token', async () => {
    const socket = await TaskSocket.open(app, 'query');
    const events = await socket.runWholeTask(
      'logged-task',
      { mode: 'fast_replication', reference_audio_id: voice },
      [TEXT],
    );
    expect(events.at(-1)!.header.event).toBe('task-finished');
    audioSent.push(...taskAudioChunks(events).map((chunk) => chunk.toString('base64')));
    socket.close();
    await until(() => log.lines.some((line) => line.msg === 'websocket closed'), 'close line');

    const lines = log.lines;
    const connected = lines.find((line) => line.msg === 'websocket connected')!;
    expect(connected).toMatchObject({
      level: 'info',
      context: 'SpeechTaskGateway',
      url: '/api-ws/v1/audio/speech?token=[redacted]',
    });
    expect(connected.reqId).toMatch(/^[0-9a-f-]{36}$/);
    const finished = lines.find((line) => line.msg === 'task finished');
    expect(finished).toMatchObject({
      reqId: connected.reqId,
      taskId: 'logged-task',
      context: 'TtsTaskSession',
      characters: [...TEXT].length,
    });
    expect(lines.find((line) => line.msg === 'websocket closed')).toMatchObject({
      reqId: connected.reqId,
      code: 1005,
    });
  });

  it('logs a refused WebSocket handshake with its URL, the wrong token redacted', async () => {
    const wrongToken = 'not-the-token-0123456789';
    expect(await handshakeStatus(`${app.wsUrl}${WS_PATH}?token=${wrongToken}`)).toBe(401);
    await until(
      () => log.lines.some((line) => line.msg === 'websocket handshake refused'),
      'refusal line',
    );
    expect(log.lines.find((line) => line.msg === 'websocket handshake refused')).toMatchObject({
      level: 'warn',
      status: 401,
      url: `${WS_PATH}?token=[redacted]`,
    });
    expect(log.raw.join('\n')).not.toContain(wrongToken);
  });

  it('writes only JSON lines, and never the token, the Authorization header, the text or audio', () => {
    expect(log.raw.length).toBeGreaterThan(20);
    for (const line of log.lines) {
      expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String) });
      expect(typeof line.msg).toBe('string');
    }
    const everything = log.raw.join('\n');
    expect(everything).not.toContain(app.token);
    expect(everything.toLowerCase()).not.toContain('authorization');
    expect(everything).not.toContain(TEXT);
    expect(audioSent.length).toBeGreaterThanOrEqual(3);
    expect(audioSent.every((audio) => audio.length >= 32)).toBe(true);
    for (const audio of audioSent) {
      const middle = Math.floor(audio.length / 2);
      expect(everything).not.toContain(audio.slice(middle - 16, middle + 16));
    }
  });
});
