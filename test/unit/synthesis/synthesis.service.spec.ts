import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
import type { OutputAudioFormat } from '../../../src/audio/audio.types.js';
import { ApiError } from '../../../src/common/api-error.js';
import type { AppConfig } from '../../../src/config/app-config.js';
import {
  InputRejectedError,
  ModelNotLoadedError,
} from '../../../src/inference/inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../../../src/inference/inference.types.js';
import { SynthesisDrain } from '../../../src/lifecycle/synthesis-drain.js';
import type { ReferenceAudioService } from '../../../src/reference-audio/reference-audio.service.js';
import type {
  EncodedAudioChunk,
  SynthesisRequest,
} from '../../../src/synthesis/synthesis-request.js';
import { TextPieceQueue } from '../../../src/realtime/text-piece.queue.js';
import { SynthesisLimiter } from '../../../src/synthesis/synthesis.limiter.js';
import { SynthesisMetrics } from '../../../src/synthesis/synthesis.metrics.js';
import { SynthesisService } from '../../../src/synthesis/synthesis.service.js';
import { MetricsService } from '../../../src/health/metrics.service.js';
import {
  FAKE_AMPLITUDE,
  FAKE_SECONDS_PER_CHARACTER,
  FakeInferenceProvider,
  fakeVoice,
} from '../../support/fake-inference.provider.js';
import { rms } from '../../support/signal-measures.js';

const TEXT = '收到好友从远方寄来的生日礼物'; // 14 characters → 0.7 s of fake speech

const REQUEST: SynthesisRequest = {
  transport: 'sse',
  model: 'CosyVoice2-0.5B',
  mode: 'fast_replication',
  text: TEXT,
  referenceAudioId: 'voice-a',
  stream: true,
};

async function collect(chunks: AsyncIterable<EncodedAudioChunk>): Promise<EncodedAudioChunk[]> {
  const all: EncodedAudioChunk[] = [];
  for await (const chunk of chunks) {
    all.push(chunk);
  }
  return all;
}

const joined = (chunks: EncodedAudioChunk[]) => Buffer.concat(chunks.map((c) => c.audio));

describe(SynthesisService.name, () => {
  let engine: FakeInferenceProvider;
  let limiter: SynthesisLimiter;
  let sut: SynthesisService;
  let metrics: MetricsService;

  beforeEach(() => {
    engine = new FakeInferenceProvider();
    const config = {
      synthesis: { maxConcurrent: 1, queueSize: 0, queueTimeoutMs: 60_000, maxTextLength: 20 },
    } as AppConfig;
    limiter = new SynthesisLimiter(config);
    const referenceAudio = {
      async getVoiceFeatures(id: string) {
        if (id !== 'voice-a') {
          throw ApiError.notFound(`reference audio ${id} not found`);
        }
        return { features: fakeVoice(300), promptText: '希望你以后能够做得比我还好哟' };
      },
    } as unknown as ReferenceAudioService;
    metrics = new MetricsService();
    sut = new SynthesisService(
      engine,
      referenceAudio,
      limiter,
      config,
      new SynthesisMetrics(limiter, metrics),
      new SynthesisDrain(),
    );
  });

  describe('checks before any audio (400)', () => {
    it.each([
      [{ model: 'gpt-4o-mini-tts' }, /^model must be one of CosyVoice2-0.5B, cosyvoice-v2/],
      [{ mode: 'karaoke' }, /^mode must be one of fast_replication/],
      [{ mode: 'natural_language_replication' }, /^instruct is required/],
      [{ text: '   ' }, /^text must not be empty/],
      [{ text: 'x'.repeat(21) }, /^text has 21 characters; the limit is 20/],
      [{ outputFormat: 'mp3', sampleRate: 44000 }, /^sample_rate 44000 cannot be carried by mp3/],
      [{ sampleRate: 4000 }, /^sample_rate must be an integer from 8000 to 48000/],
      [{ speed: 2.5 }, /^speed must be a number from 0.5 to 2/],
      [{ bitRate: '100k' }, /^bit_rate must be one of 16k/],
    ] as [Partial<SynthesisRequest>, RegExp][])('%o', async (change, message) => {
      const error = await sut.start({ ...REQUEST, ...change }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 400, code: 'InvalidParameter' });
      expect((error as ApiError).message).toMatch(message);
      expect(limiter.active).toBe(0);
    });

    it('accepts the WebSocket alias cosyvoice-v2 and passes the instruct only in its mode', async () => {
      await collect(
        await sut.start({
          ...REQUEST,
          model: 'cosyvoice-v2',
          mode: 'natural_language_replication',
          instruct: '用四川话说',
        }),
      );
      await collect(await sut.start({ ...REQUEST, instruct: 'ignored' }));
      expect(engine.inputs.map((input) => input.instruct)).toEqual(['用四川话说', undefined]);
      expect(engine.inputs[0].promptText).toBe('希望你以后能够做得比我还好哟');
    });

    it('answers 404 for an unknown voice without taking a slot', async () => {
      const error = await sut.start({ ...REQUEST, referenceAudioId: 'nope' }).catch((e) => e);
      expect(error).toMatchObject({ status: 404, code: 'NotFound' });
      expect(limiter.active).toBe(0);
    });

    it('answers 503 ModelNotLoaded with Retry-After when the pack is missing', async () => {
      engine.loaded = false;
      const error = await sut.start(REQUEST).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 503, code: 'ModelNotLoaded' });
      expect(Number((error as ApiError).headers['Retry-After'])).toBeGreaterThan(0);
    });

    it('answers 503 ServerBusy when every slot is taken and the queue is full', async () => {
      const running = await sut.start(REQUEST);
      const error = await sut.start(REQUEST).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 503, code: 'ServerBusy' });
      await collect(running);
      await expect(sut.start(REQUEST)).resolves.toBeDefined();
    });
  });

  describe('text in pieces (WebSocket tasks)', () => {
    it('takes no slot before its first piece, then meets ServerBusy if none is free', async () => {
      const text = new TextPieceQueue();
      const waiting = (await sut.start({ ...REQUEST, text }))[Symbol.asyncIterator]();
      const firstChunk = waiting.next();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(limiter.active).toBe(0);
      const running = await sut.start(REQUEST);
      expect(limiter.active).toBe(1);
      text.push('你好。');
      await expect(firstChunk).rejects.toMatchObject({ status: 503, code: 'ServerBusy' });
      await collect(running);
      expect(limiter.active).toBe(0);
    });

    it('holds its slot from its first piece until it ends', async () => {
      const text = new TextPieceQueue();
      const stream = (await sut.start({ ...REQUEST, text }))[Symbol.asyncIterator]();
      text.push('你好。');
      expect((await stream.next()).done).toBe(false);
      expect(limiter.active).toBe(1);
      text.end();
      for (let next = await stream.next(); !next.done; next = await stream.next());
      expect(limiter.active).toBe(0);
    });

    it('stops waiting for its first piece when the signal aborts', async () => {
      const abort = new AbortController();
      const chunks = await sut.start({ ...REQUEST, text: new TextPieceQueue() }, abort.signal);
      const first = chunks[Symbol.asyncIterator]().next();
      abort.abort(new Error('client left'));
      await expect(first).rejects.toThrow('client left');
      expect(limiter.active).toBe(0);
    });
  });

  describe('output', () => {
    it('concatenates to one WAV at 24 kHz whose length is the speech, with metrics per chunk', async () => {
      const chunks = await collect(await sut.start(REQUEST));
      expect(chunks.length).toBeGreaterThan(1);
      const audio = await decodeAudio(joined(chunks));
      expect(audio.format).toBe('wav');
      expect(audio.sampleRate).toBe(24000);
      expect(audio.duration).toBeCloseTo([...TEXT].length * FAKE_SECONDS_PER_CHARACTER, 3);
      const speech = chunks.reduce((sum, c) => sum + c.metrics.speechSeconds, 0);
      expect(speech).toBeCloseTo(audio.duration, 6);
      for (const { metrics } of chunks) {
        expect(metrics.speechSeconds).toBeGreaterThan(0);
        expect(metrics.serverCostSeconds).toBeGreaterThanOrEqual(0);
        expect(metrics.modelSeconds).toBeGreaterThan(0);
        expect(metrics.firstPackageSeconds).toBe(chunks[0].metrics.firstPackageSeconds);
      }
    });

    it('resamples to sample_rate keeping the duration', async () => {
      const audio = await decodeAudio(
        joined(await collect(await sut.start({ ...REQUEST, sampleRate: 16000 }))),
      );
      expect(audio.sampleRate).toBe(16000);
      expect(audio.duration).toBeCloseTo(0.7, 2);
    });

    it('applies volume as a gain (2.0 doubles the RMS)', async () => {
      const quiet = await decodeAudio(joined(await collect(await sut.start(REQUEST))));
      const loud = await decodeAudio(
        joined(await collect(await sut.start({ ...REQUEST, volume: 2 }))),
      );
      expect(rms(quiet.samples)).toBeCloseTo(FAKE_AMPLITUDE / Math.SQRT2, 2);
      expect(rms(loud.samples) / rms(quiet.samples)).toBeCloseTo(2, 2);
    });

    it('writes raw 16-bit PCM and MP3 that decode to the same duration', async () => {
      const pcm = joined(await collect(await sut.start({ ...REQUEST, outputFormat: 'pcm' })));
      expect(pcm.length).toBe(2 * Math.round(0.7 * 24000));
      const mp3Chunks = await collect(await sut.start({ ...REQUEST, outputFormat: 'mp3' }));
      const mp3 = await decodeAudio(joined(mp3Chunks));
      expect(mp3.format).toBe('mp3');
      expect(mp3.duration).toBeGreaterThan(0.65);
      expect(mp3.duration).toBeLessThan(0.85);
      expect(mp3Chunks.every((c) => c.metrics.speechSeconds > 0)).toBe(true);
      const speech = mp3Chunks.reduce((sum, c) => sum + c.metrics.speechSeconds, 0);
      expect(speech).toBeCloseTo(0.7, 6);
    });

    it('speaks text pieces that arrive over time, measuring latency from the first piece', async () => {
      async function* pieces() {
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield '你好。';
        yield '再见。';
      }
      const chunks = await collect(await sut.start({ ...REQUEST, text: pieces() }));
      const audio = await decodeAudio(joined(chunks));
      expect(audio.duration).toBeCloseTo(0.3, 3);
      expect(chunks[0].metrics.firstPackageSeconds).toBeLessThan(0.045);
    });
  });

  it('counts syntheses by mode, format, transport and outcome, with latency, time and RTF', async () => {
    await collect(await sut.start(REQUEST));
    await sut.start({ ...REQUEST, referenceAudioId: 'nope' }).catch(() => undefined);
    await sut
      .start({ ...REQUEST, mode: 'karaoke', outputFormat: 'ogg' as OutputAudioFormat })
      .catch(() => undefined);
    engine.failure = { afterChunks: 0, error: new Error('boom') };
    await collect(await sut.start({ ...REQUEST, transport: 'http', outputFormat: 'mp3' })).catch(
      () => undefined,
    );
    const text = await metrics.render();
    const series = (outcome: string, labels = 'mode="fast_replication",format="wav"') =>
      `synthesis_requests_total{${labels},transport="sse",outcome="${outcome}"} 1`;
    expect(text).toContain(series('completed'));
    expect(text).toContain(series('rejected'));
    expect(text).toContain(series('rejected', 'mode="invalid",format="invalid"'));
    expect(text).toContain(
      'synthesis_requests_total{mode="fast_replication",format="mp3",transport="http",outcome="failed"} 1',
    );
    expect(text).not.toContain('karaoke');
    const labels = '{mode="fast_replication",transport="sse"}';
    expect(text).toContain(`synthesis_first_audio_seconds_count${labels} 1`);
    expect(text).toContain(`synthesis_duration_seconds_count${labels} 1`);
    expect(text).toContain(`synthesis_real_time_factor_count${labels} 1`);
    expect(text).not.toContain('transport="http"} 1');
    const rtf = Number(/^synthesis_real_time_factor_sum\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    const duration = Number(/^synthesis_duration_seconds_sum\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    expect(duration).toBeGreaterThan(0);
    expect(rtf).toBeCloseTo(duration / 0.7, 6);
    expect(text).toMatch(/synthesis_audio_seconds_total 0\.7\d*/);
    expect(text).toContain('synthesis_active 0');
  });

  describe('failures and aborts', () => {
    it('turns an engine error into SynthesisFailed and frees the slot', async () => {
      engine.failure = { afterChunks: 1, error: new Error('onnx session exploded') };
      const chunks = await sut.start(REQUEST);
      const error = await collect(chunks).catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 500,
        code: 'SynthesisFailed',
        message: 'synthesis failed: internal error (the service log has the details)',
      });
      expect(limiter.active).toBe(0);
    });

    it('turns input the engine refuses into InvalidParameter with its reason', async () => {
      engine.failure = {
        afterChunks: 1,
        error: new InputRejectedError('the utterance would exceed 300 s'),
      };
      const error = await collect(await sut.start(REQUEST)).catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 400,
        code: 'InvalidParameter',
        message: 'the utterance would exceed 300 s',
      });
      expect(limiter.active).toBe(0);
    });

    it('turns a model lost mid-stream into ModelNotLoaded', async () => {
      engine.failure = { afterChunks: 0, error: new ModelNotLoadedError('file vanished') };
      const error = await collect(await sut.start(REQUEST)).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 503, code: 'ModelNotLoaded' });
    });

    it('passes the abort signal to the engine and frees the slot when it aborts', async () => {
      engine.delayMs = 10;
      const controller = new AbortController();
      const chunks = await sut.start(REQUEST, controller.signal);
      const seen: EncodedAudioChunk[] = [];
      const error = await (async () => {
        for await (const chunk of chunks) {
          seen.push(chunk);
          controller.abort(new Error('client gone'));
        }
      })().catch((e: unknown) => e);
      expect(error).toMatchObject({ message: 'client gone' });
      expect(seen).toHaveLength(1);
      expect(engine.inputs[0].signal?.aborted).toBe(true);
      expect(limiter.active).toBe(0);
    });
  });

  describe('the slot of an aborted synthesis', () => {
    const STOP_MS = 60;
    let slowEngine: SlowStoppingEngine;
    let queuedLimiter: SynthesisLimiter;
    let queuedSut: SynthesisService;

    beforeEach(() => {
      slowEngine = new SlowStoppingEngine(STOP_MS);
      slowEngine.delayMs = 5;
      const config = {
        synthesis: { maxConcurrent: 1, queueSize: 1, queueTimeoutMs: 60_000, maxTextLength: 20 },
      } as AppConfig;
      queuedLimiter = new SynthesisLimiter(config);
      const referenceAudio = {
        getVoiceFeatures: async () => ({ features: fakeVoice(300), promptText: '提示' }),
      } as unknown as ReferenceAudioService;
      queuedSut = new SynthesisService(
        slowEngine,
        referenceAudio,
        queuedLimiter,
        config,
        new SynthesisMetrics(queuedLimiter, new MetricsService()),
        new SynthesisDrain(),
      );
    });

    it('goes to the next queued request only after the aborted engine run has stopped', async () => {
      const first = new AbortController();
      const firstChunks = await queuedSut.start({ ...REQUEST, seed: 1 }, first.signal);
      const secondStarted = queuedSut.start({ ...REQUEST, seed: 2 });
      const secondRun = secondStarted.then(collect);
      await vi.waitUntil(() => queuedLimiter.queued === 1);
      const firstError = await (async () => {
        for await (const chunk of firstChunks) {
          expect(chunk.audio.length).toBeGreaterThan(0);
          first.abort(new Error('client gone'));
        }
      })().catch((e: unknown) => e);
      expect(firstError).toMatchObject({ message: 'client gone' });
      const secondAudio = await secondRun;
      expect(secondAudio.length).toBeGreaterThan(0);
      // the engine takes STOP_MS to stop after the abort; the second run starts after that
      expect(slowEngine.timeline).toEqual([
        'run 1 started',
        'run 1 stopped',
        'run 2 started',
        'run 2 stopped',
      ]);
      expect(slowEngine.maxRunning).toBe(1);
      expect(queuedLimiter.active).toBe(0);
    });

    it('lets a queued request that aborts leave the queue at once', async () => {
      const firstChunks = await queuedSut.start({ ...REQUEST, seed: 1 });
      const waiting = new AbortController();
      const queued = queuedSut.start({ ...REQUEST, seed: 2 }, waiting.signal);
      await vi.waitUntil(() => queuedLimiter.queued === 1);
      waiting.abort(new Error('gave up'));
      await expect(queued).rejects.toThrow('gave up');
      expect(queuedLimiter.queued).toBe(0);
      expect(queuedLimiter.active).toBe(1);
      await collect(firstChunks);
      expect(slowEngine.timeline).toEqual(['run 1 started', 'run 1 stopped']);
      expect(queuedLimiter.active).toBe(0);
    });

    it('gives the slot back on the abort alone when the stream was never read', async () => {
      const controller = new AbortController();
      const chunks = await queuedSut.start(REQUEST, controller.signal);
      expect(queuedLimiter.active).toBe(1);
      controller.abort(new Error('client gone'));
      expect(queuedLimiter.active).toBe(0);
      await expect(collect(chunks)).rejects.toThrow('client gone');
      expect(slowEngine.timeline).toEqual([]);
    });
  });
});

/**
 * The fake engine, but like the real one an aborted or abandoned run takes a while to stop
 * (the real engine waits for its LLM producer). Runs are named by their seed.
 */
class SlowStoppingEngine extends FakeInferenceProvider {
  readonly timeline: string[] = [];
  maxRunning = 0;
  private running = 0;

  constructor(private readonly stopMs: number) {
    super();
  }

  override async *synthesize(input: SynthesisInput): AsyncGenerator<SpeechChunk> {
    const name = `run ${input.seed ?? '?'}`;
    this.timeline.push(`${name} started`);
    this.maxRunning = Math.max(this.maxRunning, ++this.running);
    try {
      yield* super.synthesize(input);
    } finally {
      await new Promise((resolve) => setTimeout(resolve, this.stopMs));
      this.running--;
      this.timeline.push(`${name} stopped`);
    }
  }
}
