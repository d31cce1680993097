import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeAudio } from '../../src/audio/audio-decoder.js';
import type { DecodedAudio } from '../../src/audio/audio.types.js';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../../src/inference/inference.types.js';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import {
  type SpeechEvent,
  TaskSocket,
  joinAudio,
  postSpeech,
  readSpeechEvents,
  uploadVoice,
} from '../support/speech-clients.js';
import { ffprobeStream } from '../support/independent-decoders.js';
import { peak, rms } from '../support/signal-measures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';
import { holdEngine } from '../support/engine-spies.js';

/** The text and instruction of the source document's examples. */
const SOURCE_TEXT =
  '北京, 你好, 收到好友从远方寄来的生日礼物,那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐,笑容如花儿般绽放。';
const SOURCE_INSTRUCT = '用四川话说或者用广东话说';
const SHORT_TEXT = '收到好友从远方寄来的生日礼物。';
/** The stream fields the tests read from ffprobe. */
const PROBED = ['codec_name', 'sample_rate', 'channels'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /api/v1/audio/speech (real engine on the tiny pack)', () => {
  let app: TestApp;
  let voice: string;
  let engine: InferenceProvider;
  let limiter: SynthesisLimiter;

  /** The whole file of a non-streaming request with a fixed seed. */
  async function synthesizeWhole(input: Record<string, unknown>, top: object = {}) {
    const response = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'cross_lingual_replication', reference_audio_id: voice, seed: 7, ...input },
      stream: false,
      ...top,
    });
    const body = (await response.json()) as SpeechEvent;
    expect(response.status, JSON.stringify(body)).toBe(200);
    return Buffer.from(body.output.audio.data, 'base64');
  }

  beforeAll(async () => {
    app = await startTestApp({
      MODEL_DIR: await prepareTinyPack(),
      MAX_CONCURRENT_SYNTHESES: '2',
      SYNTHESIS_QUEUE_SIZE: '1',
      MAX_TEXT_LENGTH: '200',
    });
    voice = await uploadVoice(app, 180, '希望你以后能够做得比我还好哟');
    engine = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    limiter = app.app.get(SynthesisLimiter, { strict: false });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('documents the endpoint in OpenAPI with the request schema and examples', async () => {
    const document = (await (await fetch(`${app.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, { post?: { requestBody?: unknown; responses?: object } }>;
      components: {
        schemas: Record<string, { properties: Record<string, { example?: unknown }> }>;
      };
    };
    const operation = document.paths['/api/v1/audio/speech']?.post;
    expect(JSON.stringify(operation?.requestBody)).toContain('CreateSpeechDto');
    expect(Object.keys(operation?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '404', '503']),
    );
    const input = document.components.schemas.SpeechInputDto.properties;
    expect(input.mode.example).toBe('natural_language_replication');
    expect(Object.keys(input)).toEqual(
      expect.arrayContaining(['text', 'reference_audio_id', 'instruct', 'speed', 'output_format']),
    );
    const body = document.components.schemas.CreateSpeechDto.properties;
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['model', 'input', 'stream', 'sample_rate', 'bit_rate', 'volume']),
    );
  });

  describe('the source document flows', () => {
    it('non-streaming: one JSON with the whole WAV file base64-encoded', async () => {
      const response = await postSpeech(app, {
        model: 'CosyVoice2-0.5B',
        input: {
          mode: 'natural_language_replication',
          reference_audio_id: voice,
          text: SOURCE_TEXT,
          speed: 1.0,
          instruct: SOURCE_INSTRUCT,
        },
        stream: false,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as SpeechEvent;
      expect(Object.keys(body).sort()).toEqual(['error', 'output', 'request_id']);
      expect(body.output.finish_reason).toBe('stop');
      expect(body.error).toBeNull();
      expect(body.request_id).toMatch(UUID);
      expect(body.request_id).toBe(response.headers.get('x-request-id'));
      const wav = Buffer.from(body.output.audio.data, 'base64');
      expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
      const audio = await decodeAudio(wav);
      expect(audio.sampleRate).toBe(24000);
      expect(audio.duration).toBeGreaterThan(0.2);
      expect(await ffprobeStream(wav, 'wav', PROBED)).toMatchObject({
        codec_name: 'pcm_s16le',
        sample_rate: '24000',
      });
    });

    it('streaming: one SSE event per chunk, each with the error key, then finish_reason "stop"', async () => {
      const response = await postSpeech(app, {
        model: 'CosyVoice2-0.5B',
        input: {
          mode: 'natural_language_replication',
          reference_audio_id: voice,
          text: SOURCE_TEXT,
          output_format: 'wav',
          sample_rate: 24000,
          speed: 1.0,
          instruct: SOURCE_INSTRUCT,
        },
        stream: true,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toMatch(UUID);
      const events = await readSpeechEvents(response);
      expect(events.length).toBeGreaterThanOrEqual(3);
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(['error', 'output', 'request_id']);
        expect(event.error).toBeNull();
        expect(event.request_id).toBe(requestId);
      }
      expect(events.slice(0, -1).every((e) => e.output.finish_reason === null)).toBe(true);
      expect(events.at(-1)!.output.finish_reason).toBe('stop');
      const first = Buffer.from(events[0].output.audio.data, 'base64');
      expect(first.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(first.readUInt32LE(40)).toBe(0xffffffff);
      const audio = await decodeAudio(joinAudio(events));
      expect(audio.sampleRate).toBe(24000);
      expect(audio.duration).toBeGreaterThan(0.2);
    });

    it('streams by default when stream is omitted, each chunk as soon as it exists', async () => {
      const started = performance.now();
      const response = await postSpeech(app, {
        model: 'CosyVoice2-0.5B',
        input: { mode: 'fast_replication', reference_audio_id: voice, text: SOURCE_TEXT.repeat(2) },
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const arrivals: number[] = [];
      const events = await readSpeechEvents(response, () => {
        arrivals.push(performance.now() - started);
      });
      expect(events.length).toBeGreaterThanOrEqual(4);
      // Audio arrives spread over the synthesis, not in one burst at its end: the first and the
      // last audio event are apart by a good share of the whole request's time (a burst would
      // put them within a few milliseconds, whatever the machine's speed).
      const lastAudio = arrivals[arrivals.length - 2];
      const total = arrivals[arrivals.length - 1];
      expect(lastAudio - arrivals[0]).toBeGreaterThan(0.25 * total);
    });
  });

  describe('parameters', () => {
    let reference: DecodedAudio;

    beforeAll(async () => {
      reference = await decodeAudio(await synthesizeWhole({ text: SHORT_TEXT }));
    });

    it('is reproducible with the same seed (the basis of the comparisons below)', async () => {
      const again = await decodeAudio(await synthesizeWhole({ text: SHORT_TEXT }));
      expect(Buffer.from(again.samples.buffer)).toEqual(Buffer.from(reference.samples.buffer));
    });

    it('output_format mp3 decodes to the same duration; ffprobe sees mp3', async () => {
      const mp3 = await synthesizeWhole({ text: SHORT_TEXT, output_format: 'mp3' });
      const audio = await decodeAudio(mp3);
      expect(audio.format).toBe('mp3');
      expect(audio.sampleRate).toBe(24000);
      expect(Math.abs(audio.duration - reference.duration)).toBeLessThan(0.1);
      expect(await ffprobeStream(mp3, 'mp3', PROBED)).toMatchObject({ codec_name: 'mp3', sample_rate: '24000' });
    });

    it('output_format pcm is raw 16-bit mono: the WAV samples without a header', async () => {
      const pcm = await synthesizeWhole({ text: SHORT_TEXT, output_format: 'pcm' });
      expect(pcm.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
      expect(pcm.length).toBe(reference.samples.length * 2);
      const audio = await decodeAudio(pcm, { pcmSampleRate: 24000 });
      expect(audio.samples).toEqual(reference.samples);
    });

    it('sample_rate changes the rate, not the duration; input wins over the top level', async () => {
      const wav = await synthesizeWhole(
        { text: SHORT_TEXT, sample_rate: 16000 },
        { sample_rate: 8000 },
      );
      const audio = await decodeAudio(wav);
      expect(audio.sampleRate).toBe(16000);
      expect(Math.abs(audio.duration - reference.duration)).toBeLessThan(0.01);
      const topLevel = await decodeAudio(
        await synthesizeWhole({ text: SHORT_TEXT }, { sample_rate: 8000 }),
      );
      expect(topLevel.sampleRate).toBe(8000);
    });

    it('speed 2.0 roughly halves the duration of speed 1.0 (same seed)', async () => {
      const fast = await decodeAudio(await synthesizeWhole({ text: SHORT_TEXT, speed: 2.0 }));
      expect(fast.duration / reference.duration).toBeGreaterThan(0.4);
      expect(fast.duration / reference.duration).toBeLessThan(0.6);
    });

    it('volume 2.0 doubles the RMS of volume 1.0 (same seed), clipping instead of wrapping', async () => {
      const loud = await decodeAudio(await synthesizeWhole({ text: SHORT_TEXT, volume: 2.0 }));
      expect(loud.samples.length).toBe(reference.samples.length);
      expect(peak(loud.samples)).toBeLessThanOrEqual(1);
      let expected = 0;
      for (const value of reference.samples) expected += Math.min(1, 2 * Math.abs(value)) ** 2;
      expected = Math.sqrt(expected / reference.samples.length);
      expect(rms(loud.samples) / expected).toBeCloseTo(1, 2);
      if (peak(reference.samples) < 0.5) {
        expect(rms(loud.samples) / rms(reference.samples)).toBeCloseTo(2, 2);
      }
      const quiet = await decodeAudio(await synthesizeWhole({ text: SHORT_TEXT, volume: 0.5 }));
      expect(rms(quiet.samples) / rms(reference.samples)).toBeCloseTo(0.5, 2);
    });

    it('bit_rate changes the MP3 size (44.1 kHz: 64k vs 320k)', async () => {
      const small = await synthesizeWhole(
        { text: SHORT_TEXT, output_format: 'mp3', sample_rate: 44100 },
        { bit_rate: '64k' },
      );
      const large = await synthesizeWhole({
        text: SHORT_TEXT,
        output_format: 'mp3',
        sample_rate: 44100,
        bit_rate: '320k',
      });
      expect(large.length / small.length).toBeGreaterThan(3.5);
      expect(large.length / small.length).toBeLessThan(6);
      expect((await decodeAudio(small)).sampleRate).toBe(44100);
    });
  });

  describe('errors before any audio: the common error shape', () => {
    const valid = () => ({
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', reference_audio_id: voice, text: SHORT_TEXT },
    });

    it.each([
      ['no input.text', (b: Body) => delete b.input.text, /^text is required$/],
      ['an unknown mode', (b: Body) => (b.input.mode = 'karaoke'), /^mode must be one of/],
      ['speed 3', (b: Body) => (b.input.speed = 3), /^speed must be a number from 0.5 to 2$/],
      ['output_format ogg', (b: Body) => (b.output_format = 'ogg'), /output_format must be one of/],
      ['a bit_rate of 100k', (b: Body) => (b.bit_rate = '100k'), /bit_rate must be one of/],
      ['stream "yes"', (b: Body) => (b.stream = 'yes'), /stream must be a boolean/],
      [
        'an unknown model',
        (b: Body) => (b.model = 'tts-1'),
        /^model must be one of CosyVoice2-0.5B, cosyvoice-v2; got "tts-1"$/,
      ],
      [
        'natural_language_replication without instruct',
        (b: Body) => (b.input.mode = 'natural_language_replication'),
        /^instruct is required for natural_language_replication$/,
      ],
      [
        'text over the limit',
        (b: Body) => (b.input.text = '好'.repeat(201)),
        /^the text has 201 characters; the limit is 200 \(MAX_TEXT_LENGTH\)$/,
      ],
    ])('400 InvalidParameter for %s', async (_name, change, message) => {
      const body = valid() as Body;
      change(body);
      const response = await postSpeech(app, body);
      expect(response.status).toBe(400);
      const error = (await response.json()) as {
        code: string;
        message: string;
        request_id: string;
      };
      expect(error.code).toBe('InvalidParameter');
      expect(error.message).toMatch(message);
      expect(error.request_id).toBe(response.headers.get('x-request-id'));
    });

    it('401 without a valid token', async () => {
      expect((await postSpeech(app, valid(), { token: null })).status).toBe(401);
      expect((await postSpeech(app, valid(), { token: 'wrong' })).status).toBe(401);
    });

    it('404 NotFound for an unknown reference audio', async () => {
      const body = valid();
      body.input.reference_audio_id = '00000000-0000-4000-8000-000000000000';
      const response = await postSpeech(app, body);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'NotFound' });
    });

    it('503 ModelNotLoaded with Retry-After when the model pack is missing', async () => {
      const noModel = await startTestApp();
      try {
        const response = await postSpeech(noModel, valid());
        expect(response.status).toBe(503);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await response.json()).toMatchObject({ code: 'ModelNotLoaded' });
      } finally {
        await noModel.close();
      }
    });
  });

  describe('while streaming', () => {
    it('reports an engine failure after the first chunk as a last SSE event with error', async () => {
      const original = engine.synthesize.bind(engine);
      vi.spyOn(engine, 'synthesize').mockImplementation(async function* (
        input: SynthesisInput,
      ): AsyncGenerator<SpeechChunk> {
        for await (const chunk of original(input)) {
          yield chunk;
          throw new Error('GPU fell off the bus');
        }
      });
      const response = await postSpeech(app, {
        model: 'CosyVoice2-0.5B',
        input: { mode: 'fast_replication', reference_audio_id: voice, text: SOURCE_TEXT },
      });
      expect(response.status).toBe(200);
      const events = await readSpeechEvents(response);
      expect(events.length).toBe(2);
      expect(events[0].error).toBeNull();
      expect(events[1].error).toEqual({
        code: 'SynthesisFailed',
        message: 'synthesis failed: internal error (the service log has the details)',
      });
      expect(limiter.active).toBe(0);
    });

    it('a client that disconnects mid-stream aborts its synthesis in the engine', async () => {
      const signals: AbortSignal[] = [];
      const original = engine.synthesize.bind(engine);
      vi.spyOn(engine, 'synthesize').mockImplementation((input: SynthesisInput) => {
        signals.push(input.signal!);
        return original(input);
      });
      const client = new AbortController();
      const response = await postSpeech(
        app,
        {
          model: 'CosyVoice2-0.5B',
          input: {
            mode: 'fast_replication',
            reference_audio_id: voice,
            text: SOURCE_TEXT.repeat(2),
          },
        },
        { signal: client.signal },
      );
      const events = await readSpeechEvents(response, () => false);
      expect(events).toHaveLength(1);
      expect(signals).toHaveLength(1);
      expect(signals[0].aborted).toBe(false);
      client.abort();
      await until(() => signals[0].aborted, 'the engine to see the abort');
      await until(() => limiter.active === 0, 'the slot to be released');
    });
  });

  it('keeps a slow non-streaming answer alive with whitespace (the source client reads with timeout=10)', async () => {
    // The engine runs only once the client has the status line, so the heartbeat alone sent it
    // (without a heartbeat the answer never comes and the test times out).
    let release!: () => void;
    holdEngine(engine, new Promise<void>((resolve) => (release = resolve)));
    const response = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', reference_audio_id: voice, text: SHORT_TEXT },
      stream: false,
    });
    release();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    const text = await response.text();
    expect(text).toMatch(/^ +\{/);
    const body = JSON.parse(text) as SpeechEvent;
    expect(body.output.finish_reason).toBe('stop');
    expect(
      (await decodeAudio(Buffer.from(body.output.audio.data, 'base64'))).duration,
    ).toBeGreaterThan(0.1);
  });

  describe('limiter', () => {
    it('queues past MAX_CONCURRENT_SYNTHESES and answers 503 ServerBusy past the queue, on both transports', async () => {
      let open!: () => void;
      holdEngine(engine, new Promise<void>((resolve) => (open = resolve)));
      const body = {
        model: 'CosyVoice2-0.5B',
        input: { mode: 'fast_replication', reference_audio_id: voice, text: SHORT_TEXT },
        stream: false,
      };
      const running = [postSpeech(app, body), postSpeech(app, body)];
      await until(() => limiter.active === 2, 'two running syntheses');
      const queued = postSpeech(app, body);
      await until(() => limiter.queued === 1, 'one queued synthesis');

      const refused = await postSpeech(app, body);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ code: 'ServerBusy' });

      const socket = await TaskSocket.open(app);
      try {
        // A task takes its slot at its first text, so it is refused then, after task-started.
        const events = await socket.runWholeTask(
          'busy-task',
          { mode: 'fast_replication', reference_audio_id: voice, output_format: 'wav' },
          [SHORT_TEXT],
        );
        expect(events.map((event) => event.header.event)).toEqual(['task-started', 'task-failed']);
        expect(events[1].header).toMatchObject({ error_code: 'ServerBusy' });
      } finally {
        socket.close();
      }

      open();
      for (const response of await Promise.all([...running, queued])) {
        expect(response.status).toBe(200);
        expect(((await response.json()) as SpeechEvent).output.finish_reason).toBe('stop');
      }
      expect(limiter.active).toBe(0);
    });
  });
});

type Body = {
  model: string;
  input: Record<string, unknown>;
  [key: string]: unknown;
};
