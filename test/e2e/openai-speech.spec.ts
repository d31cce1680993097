import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createParser } from 'eventsource-parser';
import OpenAI, { APIError, AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import { authHeaders, REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import {
  joinAudio,
  postSpeech,
  readSpeechEvents,
  referenceVoiceWav,
  type SpeechEvent,
  uploadVoice,
} from '../support/speech-clients.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';
import { holdEngine } from '../support/engine-spies.js';

const run = promisify(execFile);

type ResponseFormat = 'mp3' | 'opus' | 'flac' | 'wav' | 'pcm';
const FORMATS: ResponseFormat[] = ['mp3', 'opus', 'flac', 'wav', 'pcm'];
const CONTENT_TYPES: Record<ResponseFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg; codecs=opus',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};
/** Long enough that the engine streams it in several pieces. */
const TEXT =
  'Hello there. This is a cloned voice speaking, sentence after sentence, so that the audio ' +
  'arrives in several pieces.';
/** For the tests that only compare answers with each other. */
const SHORT_TEXT = 'Hello there.';

interface Decoded {
  codec: string;
  sampleRate: number;
  /** Samples ffmpeg decoded, at `sampleRate`. */
  samples: number;
}

/** Probes and decodes a file with ffprobe/ffmpeg (raw PCM is read as 24 kHz s16le mono). */
async function decode(bytes: Buffer, format: ResponseFormat): Promise<Decoded> {
  const dir = await mkdtemp(join(tmpdir(), 'openai-speech-'));
  try {
    const file = join(dir, `speech.${format === 'opus' ? 'ogg' : format}`);
    await writeFile(file, bytes);
    const input = format === 'pcm' ? ['-f', 's16le', '-ar', '24000', '-ac', '1'] : [];
    const { stdout: probe } = await run('ffprobe', [
      '-v',
      'error',
      ...input,
      '-show_entries',
      'stream=codec_name,sample_rate',
      '-of',
      'json',
      file,
    ]);
    const stream = (JSON.parse(probe) as { streams: { codec_name: string; sample_rate: string }[] })
      .streams[0];
    const { stdout: pcm } = await run(
      'ffmpeg',
      ['-v', 'error', ...input, '-i', file, '-f', 's16le', '-ac', '1', '-'],
      { encoding: 'buffer', maxBuffer: 1 << 26 },
    );
    return {
      codec: stream.codec_name,
      sampleRate: Number(stream.sample_rate),
      samples: pcm.length / 2,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface SseEvent {
  type: string;
  audio?: string;
  usage?: object;
  error?: object;
}

async function readEvents(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message) => events.push(JSON.parse(message.data) as SseEvent),
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    parser.feed(next.value);
  }
  return events;
}

/** Reads a body chunk by chunk; returns the chunks as they arrived. */
async function readChunks(response: Response): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const reader = response.body!.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(Buffer.from(next.value));
  }
  return chunks;
}

describe('OpenAI-compatible API with the official openai client (tiny pack)', () => {
  let app: TestApp;
  let client: OpenAI;
  let voice: string;
  let engine: InferenceProvider;
  let limiter: SynthesisLimiter;
  /** Samples (24 kHz) of TEXT in `voice` with seed 7, from the pcm answer. */
  let referenceSamples: number;

  function speech(body: Partial<OpenAI.Audio.SpeechCreateParams> & { seed?: number } = {}) {
    return client.audio.speech.create({
      model: 'tts-1',
      voice,
      input: TEXT,
      seed: 7,
      ...body,
    } as OpenAI.Audio.SpeechCreateParams);
  }

  /** The decoded length is the reference one (exact for lossless formats). */
  function expectReferenceLength(format: ResponseFormat, decoded: Decoded): void {
    const seconds = decoded.samples / decoded.sampleRate;
    const expected = referenceSamples / 24000;
    if (format === 'mp3') {
      // LAME adds about one frame of delay and padding and no Xing tag trims it
      expect(seconds).toBeGreaterThanOrEqual(expected);
      expect(seconds).toBeLessThan(expected + 0.15);
    } else {
      expect(decoded.samples).toBe(referenceSamples * (decoded.sampleRate / 24000));
    }
  }

  beforeAll(async () => {
    app = await startTestApp({
      MODEL_DIR: await prepareTinyPack(),
      MAX_TEXT_LENGTH: '200',
      MAX_CONCURRENT_SYNTHESES: '1',
      SYNTHESIS_QUEUE_SIZE: '1',
    });
    engine = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    limiter = app.app.get(SynthesisLimiter, { strict: false });
    voice = await uploadVoice(app, 180, '希望你以后能够做得比我还好哟');
    client = new OpenAI({ apiKey: app.token, baseURL: `${app.baseUrl}/v1`, maxRetries: 0 });
    const pcm = Buffer.from(await (await speech({ response_format: 'pcm' })).arrayBuffer());
    referenceSamples = pcm.length / 2;
    expect(referenceSamples).toBeGreaterThan(2400);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
  });

  describe.each(FORMATS)('response_format %s', (format) => {
    const sampleRate = format === 'opus' ? 48000 : 24000;
    const codec = { mp3: 'mp3', opus: 'opus', flac: 'flac', wav: 'pcm_s16le', pcm: 'pcm_s16le' }[
      format
    ];

    it('whole: the bytes decode with the right codec, rate and duration', async () => {
      const response = await speech({ response_format: format });
      expect(response.headers.get('content-type')).toBe(CONTENT_TYPES[format]);
      const decoded = await decode(Buffer.from(await response.arrayBuffer()), format);
      expect(decoded).toMatchObject({ codec, sampleRate });
      expectReferenceLength(format, decoded);
    });

    it('stream_format audio: chunked pieces that together decode the same', async () => {
      const response = await speech({ response_format: format, stream_format: 'audio' });
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      const chunks = await readChunks(response);
      expect(chunks.length).toBeGreaterThan(1);
      const decoded = await decode(Buffer.concat(chunks), format);
      expect(decoded).toMatchObject({ codec, sampleRate });
      expectReferenceLength(format, decoded);
    });

    it('stream_format sse: speech.audio.delta events, then speech.audio.done', async () => {
      const response = await speech({ response_format: format, stream_format: 'sse' });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = await readEvents(response);
      const last = events.pop()!;
      expect(last).toEqual({
        type: 'speech.audio.done',
        usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
      });
      expect(events.length).toBeGreaterThan(1);
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(['audio', 'type']);
        expect(event.type).toBe('speech.audio.delta');
      }
      const audio = Buffer.concat(events.map((event) => Buffer.from(event.audio!, 'base64')));
      const decoded = await decode(audio, format);
      expect(decoded).toMatchObject({ codec, sampleRate });
      expectReferenceLength(format, decoded);
    });
  });

  it("the managed API's output_format takes opus and flac too (extension)", async () => {
    for (const [format, stream] of [
      ['flac', false],
      ['opus', true],
    ] as const) {
      const response = await postSpeech(app, {
        model: 'CosyVoice2-0.5B',
        input: { mode: 'fast_replication', reference_audio_id: voice, text: TEXT, seed: 7 },
        output_format: format,
        stream,
      });
      expect(response.status).toBe(200);
      const audio = stream
        ? joinAudio(await readSpeechEvents(response))
        : Buffer.from(((await response.json()) as SpeechEvent).output.audio.data, 'base64');
      const decoded = await decode(audio, format);
      expect(decoded.codec).toBe(format);
      expectReferenceLength(format, decoded);
    }
  });

  it('answers 400 for aac, listing the formats it supports', async () => {
    const error = await speech({ response_format: 'aac' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as APIError).error).toEqual({
      message: 'response_format must be one of wav, mp3, pcm, opus, flac; got "aac"',
      type: 'invalid_request_error',
      param: 'response_format',
      code: 'InvalidParameter',
    });
  });

  it('the model aliases tts-1, tts-1-hd and gpt-4o-mini-tts all speak with CosyVoice2-0.5B', async () => {
    const pcm = async (model: string) =>
      Buffer.from(
        await (await speech({ model, input: SHORT_TEXT, response_format: 'pcm' })).arrayBuffer(),
      );
    const reference = await pcm('CosyVoice2-0.5B');
    expect(reference.length).toBeGreaterThan(0);
    for (const alias of ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts']) {
      expect((await pcm(alias)).equals(reference), alias).toBe(true);
    }
  });

  it('refuses a model it does not have with 400 naming the field', async () => {
    const error = await speech({ model: 'whisper-1' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as APIError).error).toMatchObject({ param: 'model', code: 'InvalidParameter' });
    expect((error as APIError).message).toMatch(/model must be one of .*tts-1/);
  });

  it('accepts the voice as { id } and answers 404 in OpenAI shape for an unknown voice', async () => {
    const pcm = async (named: string | { id: string }) =>
      Buffer.from(
        await (
          await speech({ voice: named, input: SHORT_TEXT, response_format: 'pcm' })
        ).arrayBuffer(),
      );
    expect((await pcm({ id: voice })).equals(await pcm(voice))).toBe(true);
    for (const unknown of ['nobody', '6f1d5a52-0d47-4c1e-9a8e-5d2f4f3b2a10']) {
      const error = await speech({ voice: unknown }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as APIError).error).toEqual({
        message: `voice "${unknown}" not found: use the id or the name of a stored reference audio (GET /v1/audio/voices lists them)`,
        type: 'invalid_request_error',
        param: 'voice',
        code: 'NotFound',
      });
    }
    const preset = await speech({ voice: 'alloy' }).catch((caught: unknown) => caught);
    expect(preset).toBeInstanceOf(NotFoundError);
    expect((preset as APIError).error).toMatchObject({
      message:
        'voice "alloy" not found: it is one of OpenAI\'s voice names, which mean a voice here ' +
        'only when a stored reference audio has that name, OPENAI_VOICE_ALIASES maps it or ' +
        'OPENAI_DEFAULT_VOICE is set (GET /v1/audio/voices lists the voices)',
      param: 'voice',
      code: 'NotFound',
    });
  });

  it('instructions select the instruct mode; without them it is zero-shot', async () => {
    const metricsLine = async (mode: string): Promise<number> => {
      const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
      const pattern = new RegExp(
        `^synthesis_requests_total\\{mode="${mode}",format="wav",transport="openai",outcome="completed"\\} (\\d+)$`,
        'm',
      );
      return Number(pattern.exec(text)?.[1] ?? 0);
    };
    const instructBefore = await metricsLine('natural_language_replication');
    const zeroShotBefore = await metricsLine('fast_replication');
    const instructed = await speech({
      input: SHORT_TEXT,
      response_format: 'wav',
      instructions: 'Speak slowly and warmly.',
    });
    const decoded = await decode(Buffer.from(await instructed.arrayBuffer()), 'wav');
    expect(decoded.samples).toBeGreaterThan(0);
    expect(await metricsLine('natural_language_replication')).toBe(instructBefore + 1);
    await (await speech({ input: SHORT_TEXT, response_format: 'wav' })).arrayBuffer();
    expect(await metricsLine('fast_replication')).toBe(zeroShotBefore + 1);
  });

  it("clamps speed inside OpenAI's 0.25-4.0 to the model's 0.5-2.0 and refuses values outside", async () => {
    const pcm = async (speed: number) =>
      Buffer.from(
        await (await speech({ speed, input: SHORT_TEXT, response_format: 'pcm' })).arrayBuffer(),
      );
    const [slowest, half, fastest, double] = [
      await pcm(0.25),
      await pcm(0.5),
      await pcm(4),
      await pcm(2),
    ];
    expect(slowest.equals(half)).toBe(true);
    expect(fastest.equals(double)).toBe(true);
    expect(half.length).toBeGreaterThan(double.length);
    for (const speed of [0.2, 4.5]) {
      const error = await speech({ speed }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as APIError).error).toEqual({
        message: 'speed must be a number from 0.25 to 4',
        type: 'invalid_request_error',
        param: 'speed',
        code: 'InvalidParameter',
      });
    }
  });

  it('refuses an empty input and one over MAX_TEXT_LENGTH with 400 param input', async () => {
    for (const input of [' ', 'a'.repeat(201)]) {
      const error = await speech({ input }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as APIError).error).toMatchObject({ param: 'input', code: 'InvalidParameter' });
    }
  });

  it('answers malformed JSON with 400 in OpenAI shape', async () => {
    const response = await fetch(`${app.baseUrl}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
      body: '{"model": "tts-1",',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null });
    expect(body.error.message).toEqual(expect.any(String));
  });

  it('requires the bearer token on every /v1 route, answering in OpenAI shape', async () => {
    for (const [method, path] of [
      ['POST', '/v1/audio/speech'],
      ['GET', '/v1/models'],
      ['GET', '/v1/audio/models'],
      ['GET', '/v1/audio/voices'],
    ]) {
      const response = await fetch(`${app.baseUrl}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body:
          method === 'POST' ? JSON.stringify({ model: 'tts-1', input: TEXT, voice }) : undefined,
      });
      expect(response.status, path).toBe(401);
      expect(await response.json()).toEqual({
        error: {
          message: 'missing Authorization: Bearer <token> header',
          type: 'authentication_error',
          param: null,
          code: 'Unauthorized',
        },
      });
    }
    const wrongKey = new OpenAI({ apiKey: 'wrong', baseURL: `${app.baseUrl}/v1`, maxRetries: 0 });
    const error = await wrongKey.models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as APIError).message).toMatch(/invalid API token/);
  });

  it('GET /v1/models lists the model and its aliases as OpenAI model objects', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((model) => model.id)).toEqual([
      'CosyVoice2-0.5B',
      'tts-1',
      'tts-1-hd',
      'gpt-4o-mini-tts',
    ]);
    for (const model of models) {
      expect(model).toEqual({
        id: model.id,
        object: 'model',
        created: expect.any(Number) as number,
        owned_by: 'cosyvoice2-service',
      });
    }
    const audioModels = await fetch(`${app.baseUrl}/v1/audio/models`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    expect(await audioModels.json()).toEqual({
      models: models.map((model) => ({ id: model.id })),
    });
  });

  it('GET /v1/audio/voices lists the stored voices as { id, name } (what Open WebUI reads)', async () => {
    const response = await fetch(`${app.baseUrl}/v1/audio/voices`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      voices: [{ id: voice, name: voice }],
    });
  });

  it('shares the concurrency limiter: past the queue 503 ServerBusy in OpenAI shape, with Retry-After', async () => {
    let open!: () => void;
    holdEngine(engine, new Promise<void>((resolve) => (open = resolve)));
    const body = { input: SHORT_TEXT, response_format: 'wav' as const };
    const running = speech(body);
    await until(() => limiter.active === 1, 'one running synthesis');
    const queued = speech(body);
    await until(() => limiter.queued === 1, 'one queued synthesis');
    const refused = await fetch(`${app.baseUrl}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
      body: JSON.stringify({ model: 'tts-1', voice, ...body }),
    });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      error: { type: 'server_error', param: null, code: 'ServerBusy' },
    });
    open();
    for (const response of await Promise.all([running, queued])) {
      expect(
        (await decode(Buffer.from(await response.arrayBuffer()), 'wav')).samples,
      ).toBeGreaterThan(0);
    }
    expect(limiter.active).toBe(0);
  });

  it('a client that hangs up mid-stream frees its slot', async () => {
    const stop = new AbortController();
    const response = await fetch(`${app.baseUrl}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
      body: JSON.stringify({ model: 'tts-1', voice, input: TEXT, response_format: 'pcm' }),
      signal: stop.signal,
    });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    stop.abort();
    await until(() => limiter.active === 0 && limiter.queued === 0, 'the slot back');
  });

  describe('voice names', () => {
    let named: string;

    it('a name given at upload is returned as an added field and is usable as voice', async () => {
      const response = await uploadReferenceAudio(app, {
        bytes: referenceVoiceWav(220),
        filename: 'narrator.wav',
        name: 'narrator',
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(Object.keys(body).sort()).toEqual([
        'bytes',
        'created_at',
        'duration',
        'filename',
        'id',
        'name',
        'text',
      ]);
      expect(body).toMatchObject({ filename: 'narrator.wav', name: 'narrator' });
      named = body.id as string;
      const fetched = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${named}`, {
        headers: authHeaders(app),
      });
      expect(await fetched.json()).toMatchObject({ id: named, name: 'narrator' });
      const pcm = async (chosen: string | { id: string }) =>
        Buffer.from(
          await (
            await speech({ voice: chosen, input: SHORT_TEXT, response_format: 'pcm' })
          ).arrayBuffer(),
        );
      const byId = await pcm(named);
      expect((await pcm('narrator')).equals(byId)).toBe(true);
      expect((await pcm({ id: 'narrator' })).equals(byId)).toBe(true);
    });

    it('a taken name gets 409 and leaves nothing stored', async () => {
      const keysBefore = (await listStoredKeys(app)).sort();
      const response = await uploadReferenceAudio(app, {
        bytes: referenceVoiceWav(260),
        name: 'narrator',
      });
      expect(response.status).toBe(409);
      expect(await response.json()).toEqual({
        code: 'Conflict',
        message: 'name "narrator" is already taken by another reference audio',
        request_id: expect.any(String) as string,
      });
      expect((await listStoredKeys(app)).sort()).toEqual(keysBefore);
    });

    it.each(['two words', '-dash', 'a'.repeat(65), '6f1d5a52-0d47-4c1e-9a8e-5d2f4f3b2a10'])(
      'refuses the name %j with 400',
      async (name) => {
        const response = await uploadReferenceAudio(app, { bytes: referenceVoiceWav(240), name });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({
          code: 'InvalidParameter',
          message:
            "name must be 1-64 characters of letters, digits, '.', '_' or '-', start with a " +
            'letter or digit, and not look like an id',
        });
      },
    );

    it('GET /v1/audio/voices shows the name, or the id of a voice without one (never its file name)', async () => {
      const response = await fetch(`${app.baseUrl}/v1/audio/voices`, {
        headers: { Authorization: `Bearer ${app.token}` },
      });
      expect(await response.json()).toEqual({
        voices: [
          { id: voice, name: voice },
          { id: 'narrator', name: 'narrator' },
        ],
      });
      expect(named).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
