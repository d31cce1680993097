import { beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
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
  AudioOutput,
  EncodedAudioChunk,
  SynthesisRequest,
} from '../../../src/synthesis/synthesis-request.js';
import type { SynthesisHandle } from '../../../src/synthesis/synthesis.handle.js';
import { TextPieceQueue } from '../../../src/inference/text-piece.queue.js';
import { SynthesisLimiter } from '../../../src/synthesis/synthesis.limiter.js';
import { SynthesisMetrics } from '../../../src/synthesis/synthesis.metrics.js';
import { SynthesisService } from '../../../src/synthesis/synthesis.service.js';
import { MetricsService } from '../../../src/metrics/metrics.service.js';
import {
  FAKE_AMPLITUDE,
  FAKE_SECONDS_PER_CHARACTER,
  FakeInferenceProvider,
  fakeVoice,
} from '../../support/fake-inference.provider.js';
import { rms } from '../../support/signal-measures.js';

const TEXT = '收到好友从远方寄来的生日礼物'; // 14 characters → 0.7 s of fake speech

const WAV_24K: AudioOutput = { format: 'wav', sampleRate: 24000, bitRateKbps: 192, volume: 1 };

const REQUEST: SynthesisRequest = {
  transport: 'sse',
  mode: 'fast_replication',
  text: TEXT,
  referenceAudioId: 'voice-a',
  output: WAV_24K,
  speed: 1,
  stream: true,
};

const withOutput = (output: Partial<AudioOutput>): SynthesisRequest => ({
  ...REQUEST,
  output: { ...WAV_24K, ...output },
});

/** Reads a synthesis to its end and closes it, as every transport does. */
async function collect(handle: SynthesisHandle): Promise<EncodedAudioChunk[]> {
  const all: EncodedAudioChunk[] = [];
  try {
    for await (const chunk of handle.chunks) {
      all.push(chunk);
    }
    return all;
  } finally {
    await handle.close();
  }
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
      inputLimits: { maxWholeAnswerSeconds: 300 },
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

  describe('checks before any audio', () => {
    it('refuses a text over MAX_TEXT_LENGTH with 400 before taking a slot', async () => {
      const error = await sut.open({ ...REQUEST, text: 'x'.repeat(21) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({
        status: 400,
        code: 'InvalidParameter',
        message: 'the text has 21 characters; the limit is 20 (MAX_TEXT_LENGTH)',
      });
      expect(limiter.active).toBe(0);
    });

    it('passes the instruct and the prompt transcript to the engine', async () => {
      await collect(
        await sut.open({
          ...REQUEST,
          mode: 'natural_language_replication',
          instruct: '用四川话说',
        }),
      );
      expect(engine.inputs[0].instruct).toBe('用四川话说');
      expect(engine.inputs[0].promptText).toBe('希望你以后能够做得比我还好哟');
    });

    it('answers 404 for an unknown voice without taking a slot', async () => {
      const error = await sut.open({ ...REQUEST, referenceAudioId: 'nope' }).catch((e) => e);
      expect(error).toMatchObject({ status: 404, code: 'NotFound' });
      expect(limiter.active).toBe(0);
    });

    it('answers 503 ModelNotLoaded with Retry-After when the pack is missing', async () => {
      engine.loaded = false;
      const error = await sut.open(REQUEST).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 503, code: 'ModelNotLoaded' });
      expect(Number((error as ApiError).headers['Retry-After'])).toBeGreaterThan(0);
    });

    it('answers 503 ServerBusy when every slot is taken and the queue is full', async () => {
      const running = await sut.open(REQUEST);
      const error = await sut.open(REQUEST).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 503, code: 'ServerBusy' });
      await collect(running);
      await collect(await sut.open(REQUEST));
    });
  });

  describe('text in pieces (WebSocket tasks)', () => {
    it('takes no slot before its first piece, then meets ServerBusy if none is free', async () => {
      const text = new TextPieceQueue();
      const waiting = await sut.open({ ...REQUEST, text });
      const firstChunk = waiting.chunks.next();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(limiter.active).toBe(0);
      const running = await sut.open(REQUEST);
      expect(limiter.active).toBe(1);
      text.push('你好。');
      await expect(firstChunk).rejects.toMatchObject({ status: 503, code: 'ServerBusy' });
      await waiting.close();
      await collect(running);
      expect(limiter.active).toBe(0);
    });

    it('holds its slot from its first piece until it ends', async () => {
      const text = new TextPieceQueue();
      const synthesis = await sut.open({ ...REQUEST, text });
      text.push('你好。');
      expect((await synthesis.chunks.next()).done).toBe(false);
      expect(limiter.active).toBe(1);
      text.end();
      await collect(synthesis);
      expect(limiter.active).toBe(0);
    });

    it('stops waiting for its first piece when the signal aborts', async () => {
      const abort = new AbortController();
      const synthesis = await sut.open({ ...REQUEST, text: new TextPieceQueue() }, abort.signal);
      const first = synthesis.chunks.next();
      abort.abort(new Error('client left'));
      await expect(first).rejects.toThrow('client left');
      await synthesis.close();
      expect(limiter.active).toBe(0);
    });

    it('leaves no unhandled rejection when text and signal fail before the first read', async () => {
      const unhandled: unknown[] = [];
      const record = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', record);
      try {
        const abort = new AbortController();
        const text = new TextPieceQueue();
        const synthesis = await sut.open({ ...REQUEST, text }, abort.signal);
        const failure = new Error('finish-task without text');
        abort.abort(failure);
        text.fail(failure);
        await expect(synthesis.chunks.next()).rejects.toBe(failure);
        await synthesis.close();
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(unhandled).toEqual([]);
        expect(limiter.active).toBe(0);
      } finally {
        process.off('unhandledRejection', record);
      }
    });
  });

  describe('output', () => {
    it('concatenates to one WAV at 24 kHz whose length is the speech, with metrics per chunk', async () => {
      const chunks = await collect(await sut.open(REQUEST));
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
        expect(metrics.generateSeconds).toBeGreaterThan(0);
        expect(metrics.generateSeconds).toBeLessThanOrEqual(metrics.serverCostSeconds);
        expect(metrics.firstPackageSeconds).toBe(chunks[0].metrics.firstPackageSeconds);
      }
    });

    it('resamples to sample_rate keeping the duration', async () => {
      const audio = await decodeAudio(
        joined(await collect(await sut.open(withOutput({ sampleRate: 16000 })))),
      );
      expect(audio.sampleRate).toBe(16000);
      expect(audio.duration).toBeCloseTo(0.7, 2);
    });

    it('applies volume as a gain (2.0 doubles the RMS)', async () => {
      const quiet = await decodeAudio(joined(await collect(await sut.open(REQUEST))));
      const loud = await decodeAudio(
        joined(await collect(await sut.open(withOutput({ volume: 2 })))),
      );
      expect(rms(quiet.samples)).toBeCloseTo(FAKE_AMPLITUDE / Math.SQRT2, 2);
      expect(rms(loud.samples) / rms(quiet.samples)).toBeCloseTo(2, 2);
    });

    it('writes raw 16-bit PCM and MP3 that decode to the same duration', async () => {
      const pcm = joined(await collect(await sut.open(withOutput({ format: 'pcm' }))));
      expect(pcm.length).toBe(2 * Math.round(0.7 * 24000));
      const mp3Chunks = await collect(await sut.open(withOutput({ format: 'mp3' })));
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
      const chunks = await collect(await sut.open({ ...REQUEST, text: pieces() }));
      const audio = await decodeAudio(joined(chunks));
      expect(audio.duration).toBeCloseTo(0.3, 3);
      expect(chunks[0].metrics.firstPackageSeconds).toBeLessThan(0.045);
    });
  });

  it('counts syntheses by mode, format, transport and outcome, with latency, time and RTF', async () => {
    await collect(await sut.open(REQUEST));
    await sut.open({ ...REQUEST, referenceAudioId: 'nope' }).catch(() => undefined);
    engine.failure = { afterChunks: 0, error: new Error('boom') };
    const mp3 = { ...withOutput({ format: 'mp3' }), transport: 'http' as const };
    await collect(await sut.open(mp3)).catch(() => undefined);
    const text = await metrics.render();
    const series = (outcome: string, labels = 'mode="fast_replication",format="wav"') =>
      `synthesis_requests_total{${labels},transport="sse",outcome="${outcome}"} 1`;
    expect(text).toContain(series('completed'));
    expect(text).toContain(series('rejected'));
    expect(text).toContain(
      'synthesis_requests_total{mode="fast_replication",format="mp3",transport="http",outcome="failed"} 1',
    );
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
      const error = await collect(await sut.open(REQUEST)).catch((e: unknown) => e);
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
      const error = await collect(await sut.open(REQUEST)).catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 400,
        code: 'InvalidParameter',
        message: 'the utterance would exceed 300 s',
      });
      expect(limiter.active).toBe(0);
    });

    it('turns a model lost mid-stream into ModelNotLoaded', async () => {
      engine.failure = { afterChunks: 0, error: new ModelNotLoadedError('file vanished') };
      const error = await collect(await sut.open(REQUEST)).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 503, code: 'ModelNotLoaded' });
    });

    it('passes the abort signal to the engine and frees the slot when it aborts', async () => {
      engine.delayMs = 10;
      const controller = new AbortController();
      const synthesis = await sut.open(REQUEST, controller.signal);
      const seen: EncodedAudioChunk[] = [];
      const error = await (async () => {
        for await (const chunk of synthesis.chunks) {
          seen.push(chunk);
          controller.abort(new Error('client gone'));
        }
      })().catch((e: unknown) => e);
      await synthesis.close();
      expect(error).toMatchObject({ message: 'client gone' });
      expect(seen).toHaveLength(1);
      expect(engine.inputs[0].signal?.aborted).toBe(true);
      expect(limiter.active).toBe(0);
    });
  });

  describe('an answer sent as one file (MAX_WHOLE_ANSWER_SECONDS)', () => {
    /** Speaks one second per chunk, ten chunks, whatever the text: longer than any estimate. */
    class LongWindedEngine extends FakeInferenceProvider {
      override async *synthesize(): AsyncGenerator<SpeechChunk> {
        for (let i = 0; i < 10; i++) {
          yield { samples: new Float32Array(24000).fill(0.1), modelSeconds: 0.001 };
        }
      }
    }

    let registry: MetricsService;

    function serviceWithLimit(seconds: number, inference = engine) {
      const config = {
        synthesis: { maxConcurrent: 1, queueSize: 0, queueTimeoutMs: 60_000, maxTextLength: 100 },
        inputLimits: { maxWholeAnswerSeconds: seconds },
      } as AppConfig;
      const slots = new SynthesisLimiter(config);
      const referenceAudio = {
        getVoiceFeatures: async () => ({ features: fakeVoice(300), promptText: '提示' }),
      } as unknown as ReferenceAudioService;
      registry = new MetricsService();
      return {
        slots,
        service: new SynthesisService(
          inference,
          referenceAudio,
          slots,
          config,
          new SynthesisMetrics(slots, registry),
          new SynthesisDrain(),
        ),
      };
    }

    it('refuses a text estimated over the limit before taking a slot; a stream is not bounded', async () => {
      const { service, slots } = serviceWithLimit(3);
      // 13 CJK characters × 0.25 s = 3.25 s
      const text = '收到好友从远方寄来的生日礼物';
      const error = await service.open({ ...REQUEST, text, wholeFile: true }).catch((e) => e);
      expect(error).toMatchObject({ status: 400, message: /about 4 s of audio .* at most 3 s/ });
      expect(slots.active).toBe(0);
      expect(await registry.render()).toContain(
        'synthesis_refused_total{reason="whole_answer_too_long"} 1',
      );
      expect((await collect(await service.open({ ...REQUEST, text }))).length).toBeGreaterThan(0);
    });

    it('stops with 400 once the audio passes the limit, whatever the estimate said', async () => {
      const { service, slots } = serviceWithLimit(3, new LongWindedEngine());
      const handle = await service.open({ ...REQUEST, text: '你好', wholeFile: true });
      const error = await collect(handle).catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 400,
        code: 'InvalidParameter',
        message: /^the audio passed 3 s, the most an answer sent as one file holds/,
      });
      expect(slots.active).toBe(0);
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
        inputLimits: { maxWholeAnswerSeconds: 300 },
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
      const firstRun = await queuedSut.open({ ...REQUEST, seed: 1 }, first.signal);
      const secondStarted = queuedSut.open({ ...REQUEST, seed: 2 });
      const secondRun = secondStarted.then(collect);
      await vi.waitUntil(() => queuedLimiter.queued === 1);
      const firstError = await (async () => {
        for await (const chunk of firstRun.chunks) {
          expect(chunk.audio.length).toBeGreaterThan(0);
          first.abort(new Error('client gone'));
        }
      })().catch((e: unknown) => e);
      await firstRun.close();
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
      const firstChunks = await queuedSut.open({ ...REQUEST, seed: 1 });
      const waiting = new AbortController();
      const queued = queuedSut.open({ ...REQUEST, seed: 2 }, waiting.signal);
      await vi.waitUntil(() => queuedLimiter.queued === 1);
      waiting.abort(new Error('gave up'));
      await expect(queued).rejects.toThrow('gave up');
      expect(queuedLimiter.queued).toBe(0);
      expect(queuedLimiter.active).toBe(1);
      await collect(firstChunks);
      expect(slowEngine.timeline).toEqual(['run 1 started', 'run 1 stopped']);
      expect(queuedLimiter.active).toBe(0);
    });

    it('gives the slot back at close when the audio was never read', async () => {
      const synthesis = await queuedSut.open(REQUEST);
      expect(queuedLimiter.active).toBe(1);
      await synthesis.close();
      expect(queuedLimiter.active).toBe(0);
      expect(slowEngine.timeline).toEqual([]);
    });

    it('holds the slot until the engine has stopped when closed in the middle of a run', async () => {
      const synthesis = await queuedSut.open(REQUEST);
      expect((await synthesis.chunks.next()).done).toBe(false);
      const closed = synthesis.close();
      expect(queuedLimiter.active).toBe(1);
      await closed;
      expect(slowEngine.timeline).toEqual(['run ? started', 'run ? stopped']);
      expect(queuedLimiter.active).toBe(0);
      await synthesis.close();
      expect(queuedLimiter.active).toBe(0);
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
