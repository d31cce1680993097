import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeAudio } from '../../src/audio/audio-decoder.js';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import type { SynthesisInput } from '../../src/inference/inference.types.js';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import {
  TaskSocket,
  WS_PATH,
  handshakeStatus,
  taskAudioChunks,
  uploadVoice,
} from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

const SOURCE_TEXT =
  '北京, 你好, 收到好友从远方寄来的生日礼物,那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐,笑容如花儿般绽放。';

describe('WebSocket duplex tasks at /api-ws/v1/audio/speech (real engine on the tiny pack)', () => {
  let app: TestApp;
  let voice: string;
  let socket: TaskSocket | undefined;

  /** The parameters exactly as the source document's TTSClient sends them. */
  const clientParameters = () => ({
    mode: 'natural_language_replication',
    reference_audio_id: voice,
    output_format: 'wav',
    sample_rate: 24000,
    instruct: '用冷静的语气说',
    speed: 1.0,
    debug: true,
  });

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack(), MAX_TEXT_LENGTH: '200' });
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
  });

  afterEach(() => {
    socket?.close();
    socket = undefined;
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs the source TTSClient flow: task-started, result-generated with metrics, task-finished', async () => {
    socket = await TaskSocket.open(app);
    const events = await socket.runWholeTask('source-task', clientParameters(), [SOURCE_TEXT]);
    const kinds = events.map((event) => event.header.event);
    expect(kinds[0]).toBe('task-started');
    expect(kinds.at(-1)).toBe('task-finished');
    expect(kinds.slice(1, -1).every((kind) => kind === 'result-generated')).toBe(true);
    expect(kinds.length).toBeGreaterThanOrEqual(4);
    const results = events.filter((event) => event.header.event === 'result-generated');
    for (const { payload } of results) {
      expect(payload.metrics!.speech_len).toBeGreaterThan(0);
      expect(payload.metrics!.server_cost_time).toBeGreaterThanOrEqual(0);
      expect(payload.metrics!.generate_time).toBeGreaterThan(0);
      expect(payload.metrics!.first_package_time).toBeGreaterThan(0);
    }
    const audio = await decodeAudio(Buffer.concat(taskAudioChunks(events)));
    expect(audio.sampleRate).toBe(24000);
    const speech = results.reduce((sum, event) => sum + event.payload.metrics!.speech_len, 0);
    expect(Math.abs(speech - audio.duration)).toBeLessThan(0.01);
    expect(events.at(-1)!.payload.usage).toEqual({ characters: [...SOURCE_TEXT].length });
  });

  it('accepts the token as ?token= and refuses the handshake with 401 otherwise', async () => {
    const url = `${app.wsUrl}${WS_PATH}`;
    expect(await handshakeStatus(url)).toBe(401);
    expect(await handshakeStatus(url, { Authorization: 'Bearer wrong' })).toBe(401);
    expect(await handshakeStatus(`${url}?token=wrong`)).toBe(401);
    expect(await handshakeStatus(`${url}?token=${app.token}`)).toBe(101);
    socket = await TaskSocket.open(app, 'query');
    const events = await socket.runWholeTask('query-task', clientParameters(), ['你好。']);
    expect(events.at(-1)!.header.event).toBe('task-finished');
  });

  it('synthesizes text as it arrives, before finish-task', async () => {
    socket = await TaskSocket.open(app);
    const parameters = { ...clientParameters(), mode: 'cross_lingual_replication' };
    socket.runTask('piecewise', parameters);
    await socket.next((event) => event.header.event === 'task-started');
    socket.continueTask('piecewise', '收到好友从远方寄来的生日礼物。');
    socket.continueTask('piecewise', '那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐。');
    const early = await socket.next((event) => event.header.event === 'result-generated');
    expect(early.header.task_id).toBe('piecewise');
    socket.continueTask('piecewise', '笑容如花儿般绽放。');
    socket.finishTask('piecewise');
    const events = await socket.taskEnd('piecewise');
    expect(events.at(-1)!.header.event).toBe('task-finished');
    const audio = await decodeAudio(Buffer.concat(taskAudioChunks(events)));
    expect(audio.duration).toBeGreaterThan(0.2);
  });

  it('delivers mp3 and pcm at the requested sample rate', async () => {
    socket = await TaskSocket.open(app);
    const mp3 = await socket.runWholeTask(
      'mp3-task',
      { ...clientParameters(), output_format: 'mp3', sample_rate: 16000, bit_rate: '64k' },
      ['你好,今天天气很好。'],
    );
    const decoded = await decodeAudio(Buffer.concat(taskAudioChunks(mp3)));
    expect(decoded.format).toBe('mp3');
    expect(decoded.sampleRate).toBe(16000);
    const pcm = await socket.runWholeTask(
      'pcm-task',
      { ...clientParameters(), output_format: 'pcm', sample_rate: 8000 },
      ['你好,今天天气很好。'],
    );
    const bytes = Buffer.concat(taskAudioChunks(pcm));
    expect(bytes.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
    const speech = pcm
      .filter((event) => event.header.event === 'result-generated')
      .reduce((sum, event) => sum + event.payload.metrics!.speech_len, 0);
    expect(Math.abs(bytes.length / 2 / 8000 - speech)).toBeLessThan(0.01);
  });

  it('answers every protocol error with task-failed and a precise message; the connection stays usable', async () => {
    socket = await TaskSocket.open(app);
    const s = socket;
    const failure = async (send: () => void, taskId: string) => {
      const from = s.events.length;
      send();
      const event = await s.next((e) => e.header.event === 'task-failed', from);
      expect(event.header.task_id).toBe(taskId);
      return `${event.header.error_code}: ${event.header.error_message}`;
    };

    expect(await failure(() => s.socket.send('{"header": {'), '')).toMatch(
      /^ProtocolError: invalid JSON: /,
    );
    expect(await failure(() => s.send('pause-task', 'p1', {}), 'p1')).toBe(
      'ProtocolError: unknown action "pause-task"; expected one of run-task, continue-task, finish-task',
    );
    expect(await failure(() => s.continueTask('c1', 'hi'), 'c1')).toBe(
      'ProtocolError: continue-task before run-task: no task is running',
    );
    expect(
      await failure(
        () => s.runTask('m1', { mode: 'fast_replication', output_format: 'wav' }),
        'm1',
      ),
    ).toBe('InvalidParameter: reference_audio_id is required: the id of a stored reference audio');
    expect(
      await failure(() => s.send('run-task', 'm2', { parameters: clientParameters() }), 'm2'),
    ).toBe('InvalidParameter: model is required: one of CosyVoice2-0.5B, cosyvoice-v2');
    expect(await failure(() => s.runTask('m3', clientParameters(), 'qwen-tts'), 'm3')).toMatch(
      /^InvalidParameter: model must be one of CosyVoice2-0.5B, cosyvoice-v2; got "qwen-tts"$/,
    );
    expect(
      await failure(() => s.runTask('m4', { ...clientParameters(), instruct: '' }), 'm4'),
    ).toBe('InvalidParameter: instruct is required for natural_language_replication');
    expect(
      await failure(
        () =>
          s.runTask('v1', {
            ...clientParameters(),
            reference_audio_id: '00000000-0000-4000-8000-000000000000',
          }),
        'v1',
      ),
    ).toMatch(/^NotFound: /);

    s.runTask('t1', clientParameters());
    await s.next((e) => e.header.event === 'task-started' && e.header.task_id === 't1');
    expect(await failure(() => s.runTask('t2', clientParameters()), 't2')).toMatch(
      /^ProtocolError: run-task while task t1 is running/,
    );
    expect(await failure(() => s.continueTask('wrong', 'hi'), 'wrong')).toBe(
      'ProtocolError: continue-task names task_id wrong, but the running task is t1',
    );
    expect(await failure(() => s.continueTask('t1', '好'.repeat(201)), 't1')).toBe(
      "InvalidParameter: the task's text would have 201 characters with this payload.input.text; the limit is 200 per task",
    );

    const events = await s.runWholeTask('after-errors', clientParameters(), ['你好。']);
    expect(events.map((e) => e.header.event)).toContain('result-generated');
    expect(events.at(-1)!.header.event).toBe('task-finished');
  });

  it('a client that closes mid-task aborts its synthesis in the engine', async () => {
    const engine = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    const limiter = app.app.get(SynthesisLimiter, { strict: false });
    const signals: AbortSignal[] = [];
    const original = engine.synthesize.bind(engine);
    vi.spyOn(engine, 'synthesize').mockImplementation((input: SynthesisInput) => {
      signals.push(input.signal!);
      return original(input);
    });
    socket = await TaskSocket.open(app);
    socket.runTask('leaving', { ...clientParameters(), mode: 'fast_replication' });
    await socket.next((event) => event.header.event === 'task-started');
    socket.continueTask('leaving', SOURCE_TEXT.repeat(2));
    socket.finishTask('leaving');
    await socket.next((event) => event.header.event === 'result-generated');
    expect(signals[0].aborted).toBe(false);
    socket.close();
    await until(() => signals[0].aborted, 'the engine to see the abort');
    await until(() => limiter.active === 0, 'the slot to be released');
  });
});

describe('WebSocket limits (no model needed)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ WS_MAX_FRAME_BYTES: '2048', WS_IDLE_TIMEOUT_MS: '1000' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('closes a connection that sends a frame over WS_MAX_FRAME_BYTES with 1009', async () => {
    const socket = await TaskSocket.open(app);
    socket.socket.send('x'.repeat(4096));
    expect((await socket.waitForClose()).code).toBe(1009);
  });

  it('closes an idle connection after WS_IDLE_TIMEOUT_MS with 1000 "idle timeout"', async () => {
    const socket = await TaskSocket.open(app);
    const opened = performance.now();
    const { code, reason } = await socket.waitForClose(5000);
    expect(code).toBe(1000);
    expect(reason).toBe('idle timeout: no message for 1000 ms');
    expect(performance.now() - opened).toBeGreaterThan(900);
  });

  it('fails a task with ModelNotLoaded when the model pack is missing', async () => {
    const socket = await TaskSocket.open(app);
    try {
      socket.runTask('no-model', {
        mode: 'fast_replication',
        reference_audio_id: 'any',
        output_format: 'wav',
      });
      const event = await socket.next((e) => e.header.task_id === 'no-model');
      expect(event.header).toMatchObject({ event: 'task-failed', error_code: 'ModelNotLoaded' });
    } finally {
      socket.close();
    }
  });
});
