import { Inject, Injectable, Logger } from '@nestjs/common';
import { createAudioEncoder } from '../audio/audio-encoder.factory.js';
import { applyVolume } from '../audio/audio-gain.js';
import { StreamingResampler } from '../audio/resampler.js';
import type { StreamingAudioEncoder } from '../audio/audio.types.js';
import { ApiError } from '../common/api-error.js';
import { isUnexpected, toApiError } from '../common/to-api-error.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { INFERENCE_PROVIDER, InferenceProvider } from '../inference/inference.provider.js';
import {
  ENGINE_SAMPLE_RATE,
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../inference/inference.types.js';
import { AdmittedSynthesis, SynthesisDrain } from '../lifecycle/synthesis-drain.js';
import { ReferenceAudioService } from '../reference-audio/reference-audio.service.js';
import type {
  AudioOutput,
  ChunkMetrics,
  EncodedAudioChunk,
  SynthesisRequest,
} from './synthesis-request.js';
import { engineModeOf } from './engine-mode.js';
import { characterCount } from './synthesis-text.limits.js';
import { instructionProblem, type TextRefusal, wholeTextProblem } from './speech-text.js';
import {
  estimatedSpeechSeconds,
  wholeAnswerOverLimit,
  wholeAnswerTooLong,
} from './whole-answer.limit.js';
import { SynthesisHandle } from './synthesis.handle.js';
import { ReleaseSlot, SynthesisLimiter } from './synthesis.limiter.js';
import {
  SynthesisLabels,
  SynthesisMetrics,
  SynthesisOutcome,
  SynthesisRefusal,
  synthesisLabels,
} from './synthesis.metrics.js';

/** Samples of one MP3 frame: the encoder may hold back up to this much until it ends. */
const MP3_FRAME_SAMPLES = 1152;

/** What a run holds and how it ended, for the handle to release and record once. */
interface RunState {
  outcome: SynthesisOutcome;
  release: ReleaseSlot | undefined;
}

/**
 * The one synthesis path of every transport: admits a validated request, takes a slot of the
 * limiter, resolves the voice, runs the engine, applies volume, resamples and encodes
 * incrementally.
 */
@Injectable()
export class SynthesisService {
  private readonly logger = new Logger(SynthesisService.name);
  private readonly maxTextLength: number;
  private readonly maxWholeAnswerSeconds: number;

  constructor(
    @Inject(INFERENCE_PROVIDER) private readonly inference: InferenceProvider,
    private readonly referenceAudio: ReferenceAudioService,
    private readonly limiter: SynthesisLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: SynthesisMetrics,
    private readonly drain: SynthesisDrain,
  ) {
    this.maxTextLength = config.synthesis.maxTextLength;
    this.maxWholeAnswerSeconds = config.inputLimits.maxWholeAnswerSeconds;
  }

  /** Counts a text refused by the rules of speech-text.ts (the WebSocket checks its pieces). */
  textRefused(reason: TextRefusal): void {
    this.metrics.refused(reason);
  }

  /** Longest text (in characters) one request, or one WebSocket task, may carry. */
  get textLimit(): number {
    return this.maxTextLength;
  }

  /**
   * Opens a synthesis. Everything that can fail before audio exists fails here, so transports
   * can still answer with a plain error: text over MAX_TEXT_LENGTH, with nothing to speak or with
   * `<|…|>` tokens, a whole-file answer estimated over MAX_WHOLE_ANSWER_SECONDS (400), unknown
   * voice (404),
   * model missing, server busy or shutting down (503). The returned handle holds a limiter slot
   * (text in pieces takes it when its first piece arrives, so a task waiting for its text holds
   * none) until it is closed. A synthesis admitted before a shutdown runs on until it ends or
   * the grace period is over; then it is aborted with 503 ServiceUnavailable. `signal` (the
   * client left) aborts it too.
   */
  async open(request: SynthesisRequest, signal?: AbortSignal): Promise<SynthesisHandle> {
    const labels = synthesisLabels(request);
    const state: RunState = { outcome: 'aborted', release: undefined };
    let admitted: AdmittedSynthesis;
    try {
      admitted = this.drain.admit();
    } catch (error) {
      this.metrics.ended(labels, 'rejected');
      throw error;
    }
    const stop = new AbortController();
    const stopped = AbortSignal.any(
      signal ? [signal, admitted.signal, stop.signal] : [admitted.signal, stop.signal],
    );
    const finish = (): void => {
      state.release?.();
      admitted.end();
      this.metrics.ended(labels, state.outcome);
    };
    try {
      if (typeof request.text === 'string') {
        this.checkTextLength(request.text);
      }
      this.checkContent(request);
      const status = this.inference.status();
      if (!status.loaded) {
        throw ApiError.modelNotLoaded(status.error);
      }
      const voice = await this.referenceAudio.getVoiceFeatures(request.referenceAudioId);
      if (typeof request.text === 'string') {
        state.release = await this.limiter.acquire(stopped);
      }
      const chunks = this.run(request, labels, voice, state, stopped);
      return new SynthesisHandle(chunks, stop, finish);
    } catch (error) {
      state.outcome = stopped.aborted ? 'aborted' : 'rejected';
      finish();
      throw error;
    }
  }

  /** Throws ApiError 400 when a whole text is longer than MAX_TEXT_LENGTH. */
  private checkTextLength(text: string): void {
    const length = characterCount(text);
    if (length > this.maxTextLength) {
      throw ApiError.invalidParameter(
        `the text has ${length} characters; the limit is ${this.maxTextLength} (MAX_TEXT_LENGTH)`,
        'text',
      );
    }
  }

  /**
   * Throws ApiError 400 (and counts the refusal) when the whole text has nothing to speak or
   * holds `<|…|>` tokens, the instruction holds such tokens, or a whole-file answer is estimated
   * (estimatedSpeechSeconds) to be longer than MAX_WHOLE_ANSWER_SECONDS.
   */
  private checkContent(request: SynthesisRequest): void {
    const problem =
      (typeof request.text === 'string' ? wholeTextProblem(request.text) : undefined) ??
      (request.instruct === undefined ? undefined : instructionProblem(request.instruct));
    if (problem) {
      throw this.refusal(problem.reason, ApiError.invalidParameter(problem.message));
    }
    if (request.wholeFile && typeof request.text === 'string') {
      const seconds = estimatedSpeechSeconds(request.text, request.speed);
      if (seconds > this.maxWholeAnswerSeconds) {
        throw this.refusal(
          'whole_answer_too_long',
          wholeAnswerTooLong(seconds, this.maxWholeAnswerSeconds),
        );
      }
    }
  }

  private refusal(reason: SynthesisRefusal, error: ApiError): ApiError {
    this.metrics.refused(reason);
    return error;
  }

  /** The text of a run: the whole text, or its pieces once the first is there and a slot is taken. */
  private async textOf(
    request: SynthesisRequest,
    state: RunState,
    signal: AbortSignal,
  ): Promise<string | AsyncIterable<string>> {
    if (typeof request.text === 'string') {
      return request.text;
    }
    const pieces = request.text[Symbol.asyncIterator]();
    try {
      const first = await untilAborted(pieces.next(), signal);
      state.release = await this.limiter.acquire(signal);
      return prependPiece(first, pieces);
    } catch (error) {
      state.outcome = signal.aborted ? 'aborted' : 'rejected';
      throw signal.aborted ? signal.reason : error;
    }
  }

  private async *run(
    request: SynthesisRequest,
    labels: SynthesisLabels,
    voice: { features: VoiceFeatures; promptText: string },
    state: RunState,
    signal: AbortSignal,
  ): AsyncGenerator<EncodedAudioChunk, void, undefined> {
    const whole = await this.textOf(request, state, signal);
    const clock = new SynthesisClock();
    const text = typeof whole === 'string' ? whole : clock.startOnFirstPiece(whole);
    if (typeof whole === 'string') {
      clock.start();
    }
    const input: SynthesisInput = {
      mode: engineModeOf(request.mode),
      text,
      promptText: voice.promptText,
      instruct: request.instruct,
      voice: voice.features,
      speed: request.speed,
      stream: request.stream,
      seed: request.seed,
      signal,
    };
    let pieces = 0;
    let speechSeconds = 0;
    const maxSeconds = request.wholeFile ? this.maxWholeAnswerSeconds : Number.POSITIVE_INFINITY;
    const deliver = (piece: EncodedAudioChunk): EncodedAudioChunk => {
      if (pieces++ === 0) {
        this.metrics.firstAudioAfter(labels, piece.metrics.firstPackageSeconds);
      }
      speechSeconds += piece.metrics.speechSeconds;
      if (speechSeconds > maxSeconds) {
        throw this.refusal('whole_answer_too_long', wholeAnswerOverLimit(maxSeconds));
      }
      this.metrics.delivered(piece.metrics.speechSeconds);
      return piece;
    };
    try {
      signal.throwIfAborted();
      const output = await EncodedOutput.create(request.output);
      // Leaving this loop early awaits the engine iterator's `return`: the handle frees the
      // slot only once the engine has stopped.
      for await (const { chunk, generateSeconds } of timedChunks(
        this.inference.synthesize(input),
      )) {
        signal.throwIfAborted();
        const piece = output.push(chunk.samples, generateSeconds, clock);
        if (piece) {
          yield deliver(piece);
        }
      }
      signal.throwIfAborted();
      const tail = output.end(clock);
      if (tail) {
        yield deliver(tail);
      }
      state.outcome = 'completed';
      this.metrics.completed(labels, { processingSeconds: clock.elapsedSeconds(), speechSeconds });
    } catch (error) {
      if (signal.aborted) {
        throw signal.reason;
      }
      state.outcome = 'failed';
      throw this.failure(error);
    }
  }

  /** The client's view of a failed run: toApiError's, or SynthesisFailed for an engine fault. */
  private failure(error: unknown): ApiError {
    if (!isUnexpected(error)) {
      return toApiError(error);
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return ApiError.synthesisFailed();
  }
}

/**
 * Settles as `promise` does, or rejects with the signal's reason as soon as it aborts (at once
 * when it already has). `promise` gets its handler before anything can throw, so a rejection of
 * it is never left unhandled.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The engine's chunks, each with the wall seconds from asking the engine for it to receiving it
 * (the time the consumer spends between chunks is not counted). Leaving early returns the
 * engine's iterator.
 */
async function* timedChunks(
  chunks: AsyncIterable<SpeechChunk>,
): AsyncGenerator<{ chunk: SpeechChunk; generateSeconds: number }> {
  let askedAt = performance.now();
  for await (const chunk of chunks) {
    yield { chunk, generateSeconds: (performance.now() - askedAt) / 1000 };
    askedAt = performance.now();
  }
}

/** The pieces of a text whose first piece has already been read. */
async function* prependPiece(
  first: IteratorResult<string>,
  rest: AsyncIterator<string>,
): AsyncGenerator<string> {
  if (first.done) {
    return;
  }
  yield first.value;
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    yield next.value;
  }
}

/** Measures first-package latency and per-piece wall time from the moment text is there. */
class SynthesisClock {
  private startedAt: number | undefined;
  private lastPieceAt: number | undefined;
  private firstPackageSeconds: number | undefined;

  start(): void {
    this.startedAt ??= performance.now();
  }

  async *startOnFirstPiece(pieces: AsyncIterable<string>): AsyncGenerator<string> {
    for await (const piece of pieces) {
      this.start();
      yield piece;
    }
  }

  /** Wall seconds since the first text (0 before it). */
  elapsedSeconds(): number {
    return this.startedAt === undefined ? 0 : (performance.now() - this.startedAt) / 1000;
  }

  /** Wall seconds since the previous piece and the first-package latency, at a new piece. */
  lap(): { costSeconds: number; firstPackageSeconds: number } {
    const now = performance.now();
    const startedAt = this.startedAt ?? now;
    const costSeconds = (now - (this.lastPieceAt ?? startedAt)) / 1000;
    this.lastPieceAt = now;
    this.firstPackageSeconds ??= (now - startedAt) / 1000;
    return { costSeconds, firstPackageSeconds: this.firstPackageSeconds };
  }
}

/**
 * Volume, resampling and encoding of the engine's 24 kHz chunks, with the accounting of how
 * much speech each encoded piece carries. MP3 keeps up to one frame inside the encoder until
 * it ends, so that much speech is attributed to the final piece.
 */
class EncodedOutput {
  private readonly resampler: StreamingResampler | undefined;
  private readonly heldBackSeconds: number;
  private pendingSpeechSeconds = 0;
  private pendingGenerateSeconds = 0;

  private constructor(
    private readonly output: AudioOutput,
    private readonly encoder: StreamingAudioEncoder,
  ) {
    this.resampler =
      output.sampleRate === ENGINE_SAMPLE_RATE
        ? undefined
        : new StreamingResampler(ENGINE_SAMPLE_RATE, output.sampleRate);
    this.heldBackSeconds = output.format === 'mp3' ? MP3_FRAME_SAMPLES / output.sampleRate : 0;
  }

  static async create(output: AudioOutput): Promise<EncodedOutput> {
    const encoder = await createAudioEncoder(output);
    return new EncodedOutput(output, encoder);
  }

  push(
    samples: Float32Array,
    generateSeconds: number,
    clock: SynthesisClock,
  ): EncodedAudioChunk | undefined {
    this.pendingSpeechSeconds += samples.length / ENGINE_SAMPLE_RATE;
    this.pendingGenerateSeconds += generateSeconds;
    const audio = this.encode(samples);
    if (audio.length === 0) {
      return undefined;
    }
    const heldBack = Math.min(this.heldBackSeconds, this.pendingSpeechSeconds / 2);
    return this.piece(audio, this.pendingSpeechSeconds - heldBack, clock);
  }

  end(clock: SynthesisClock): EncodedAudioChunk | undefined {
    const flushed = this.resampler ? this.encoder.push(this.resampler.flush()) : Buffer.alloc(0);
    const audio = Buffer.concat([flushed, this.encoder.end()]);
    if (audio.length === 0) {
      return undefined;
    }
    return this.piece(audio, this.pendingSpeechSeconds, clock);
  }

  private encode(samples: Float32Array): Buffer {
    const loud = this.output.volume === 1 ? samples : applyVolume(samples, this.output.volume);
    return this.encoder.push(this.resampler ? this.resampler.push(loud) : loud);
  }

  private piece(audio: Buffer, speechSeconds: number, clock: SynthesisClock): EncodedAudioChunk {
    const { costSeconds, firstPackageSeconds } = clock.lap();
    const metrics: ChunkMetrics = {
      speechSeconds,
      serverCostSeconds: costSeconds,
      generateSeconds: this.pendingGenerateSeconds,
      firstPackageSeconds,
    };
    this.pendingSpeechSeconds -= speechSeconds;
    this.pendingGenerateSeconds = 0;
    return { audio, metrics };
  }
}
