import { Inject, Injectable, Logger } from '@nestjs/common';
import { createAudioEncoder } from '../audio/audio-encoder.factory.js';
import { applyVolume } from '../audio/audio-gain.js';
import { StreamingResampler } from '../audio/resampler.js';
import type { OutputAudioFormat, StreamingAudioEncoder } from '../audio/audio.types.js';
import { ApiError } from '../common/api-error.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import {
  EngineFailedError,
  INFERENCE_PROVIDER,
  InferenceProvider,
  InputRejectedError,
  ModelNotLoadedError,
} from '../inference/inference.provider.js';
import {
  ENGINE_SAMPLE_RATE,
  SynthesisInput,
  SynthesisMode,
  VoiceFeatures,
} from '../inference/inference.types.js';
import { AdmittedSynthesis, SynthesisDrain } from '../lifecycle/synthesis-drain.js';
import { ReferenceAudioService } from '../reference-audio/reference-audio.service.js';
import { ChunkMetrics, EncodedAudioChunk, SynthesisRequest } from './synthesis-request.js';
import { characterCount, unsplitTextProblem } from './synthesis-text.limits.js';
import { ReleaseSlot, SynthesisLimiter } from './synthesis.limiter.js';
import {
  SynthesisLabels,
  SynthesisMetrics,
  SynthesisOutcome,
  synthesisLabels,
} from './synthesis.metrics.js';
import {
  BIT_RATES,
  DEFAULT_BIT_RATE,
  DEFAULT_OUTPUT_FORMAT,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_SPEED,
  DEFAULT_VOLUME,
  MAX_SAMPLE_RATE,
  MAX_SPEED,
  MAX_VOLUME,
  MIN_SAMPLE_RATE,
  MIN_SPEED,
  MODEL_ALIASES,
  MP3_SAMPLE_RATES,
  OUTPUT_FORMATS,
  SYNTHESIS_MODES,
  bitRateKbps,
} from './synthesis.constants.js';

/** Samples of one MP3 frame: the encoder may hold back up to this much until it ends. */
const MP3_FRAME_SAMPLES = 1152;

/** A request whose every option has been checked and defaulted. */
interface ResolvedRequest {
  mode: SynthesisMode;
  text: string | AsyncIterable<string>;
  referenceAudioId: string;
  instruct?: string;
  sampleRate: number;
  bitRateKbps: number;
  volume: number;
  speed: number;
  outputFormat: OutputAudioFormat;
  seed?: number;
  stream: boolean;
}

/**
 * The one synthesis path of both transports: checks the request, takes a slot of the limiter,
 * resolves the voice, runs the engine, applies volume, resamples and encodes incrementally.
 */
@Injectable()
export class SynthesisService {
  private readonly logger = new Logger(SynthesisService.name);
  private readonly maxTextLength: number;

  constructor(
    @Inject(INFERENCE_PROVIDER) private readonly inference: InferenceProvider,
    private readonly referenceAudio: ReferenceAudioService,
    private readonly limiter: SynthesisLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: SynthesisMetrics,
    private readonly drain: SynthesisDrain,
  ) {
    this.maxTextLength = config.synthesis.maxTextLength;
  }

  /** Longest text (in characters) one request, or one WebSocket text piece, may carry. */
  get textLimit(): number {
    return this.maxTextLength;
  }

  /**
   * Everything that can fail before audio exists happens here, so transports can still answer
   * with a plain error: validation (400), unknown voice (404), model missing, server busy or
   * shutting down (503). A synthesis admitted before a shutdown runs on until it ends or the
   * grace period is over; then it is aborted with 503 ServiceUnavailable. Once read, the
   * returned stream must be iterated until it ends or throws (after `signal` aborts it throws
   * at the latest on its next read), or be `return`ed: that releases the synthesis slot, only
   * after the engine's run has really ended, so an aborted run never overlaps the next one on
   * the GPU. A stream that is never read gives its slot back when `signal` aborts. Text in
   * pieces takes its slot (and may meet 503 ServerBusy) only when its first piece arrives.
   */
  async start(
    request: SynthesisRequest,
    signal?: AbortSignal,
  ): Promise<AsyncIterable<EncodedAudioChunk>> {
    const labels = synthesisLabels(request);
    let admitted: AdmittedSynthesis | undefined;
    let stop = signal;
    try {
      admitted = this.drain.admit();
      stop = signal ? AbortSignal.any([signal, admitted.signal]) : admitted.signal;
      const resolved = this.resolve(request);
      const status = this.inference.status();
      if (!status.loaded) {
        throw ApiError.modelNotLoaded(status.error);
      }
      const { features, promptText } = await this.referenceAudio.getVoiceFeatures(
        resolved.referenceAudioId,
      );
      const done = admitted;
      const limited = stop;
      const takeSlot = async (): Promise<ReleaseSlot> => {
        const slot = await this.limiter.acquire(limited);
        return () => {
          slot();
          done.end();
        };
      };
      if (typeof resolved.text !== 'string') {
        const endAdmission = (): void => done.end();
        // removed as soon as the stream is read; a stream never read ends its admission here
        stop.addEventListener('abort', endAdmission, { once: true });
        const run = { request: resolved, text: resolved.text, labels, features, promptText };
        return this.runFromFirstText(run, takeSlot, endAdmission, stop);
      }
      const release = await takeSlot();
      // `run` removes this listener as soon as it starts and releases when the engine stops
      stop.addEventListener('abort', release, { once: true });
      return this.run(resolved, labels, features, promptText, release, stop);
    } catch (error) {
      admitted?.end();
      this.metrics.ended(labels, stop?.aborted ? 'aborted' : 'rejected');
      throw error;
    }
  }

  /** Checks a request and fills in the defaults; throws ApiError 400 on the first problem. */
  resolve(request: SynthesisRequest): ResolvedRequest {
    if (!MODEL_ALIASES.includes(request.model)) {
      throw ApiError.invalidParameter(
        `model must be one of ${MODEL_ALIASES.join(', ')}; got ${JSON.stringify(request.model)}`,
      );
    }
    const mode = request.mode as SynthesisMode;
    if (!SYNTHESIS_MODES.includes(mode)) {
      throw ApiError.invalidParameter(
        `mode must be one of ${SYNTHESIS_MODES.join(', ')}; got ${JSON.stringify(request.mode)}`,
      );
    }
    const instruct = request.instruct?.trim() ?? '';
    if (mode === 'natural_language_replication' && instruct === '') {
      throw ApiError.invalidParameter('instruct is required for natural_language_replication');
    }
    if (typeof request.text === 'string') {
      this.checkText(request.text);
    }
    if (!request.referenceAudioId) {
      throw ApiError.invalidParameter('reference_audio_id is required');
    }
    const outputFormat = request.outputFormat ?? DEFAULT_OUTPUT_FORMAT;
    if (!OUTPUT_FORMATS.includes(outputFormat)) {
      throw ApiError.invalidParameter(`output_format must be one of ${OUTPUT_FORMATS.join(', ')}`);
    }
    const sampleRate = request.sampleRate ?? DEFAULT_SAMPLE_RATE;
    if (
      !Number.isInteger(sampleRate) ||
      sampleRate < MIN_SAMPLE_RATE ||
      sampleRate > MAX_SAMPLE_RATE
    ) {
      throw ApiError.invalidParameter(
        `sample_rate must be an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE}`,
      );
    }
    if (outputFormat === 'mp3' && !MP3_SAMPLE_RATES.includes(sampleRate)) {
      throw ApiError.invalidParameter(
        `sample_rate ${sampleRate} cannot be carried by mp3; use one of ${MP3_SAMPLE_RATES.join(', ')}`,
      );
    }
    const bitRate = request.bitRate ?? DEFAULT_BIT_RATE;
    if (!BIT_RATES.includes(bitRate)) {
      throw ApiError.invalidParameter(`bit_rate must be one of ${BIT_RATES.join(', ')}`);
    }
    const volume = request.volume ?? DEFAULT_VOLUME;
    if (!Number.isFinite(volume) || volume < 0 || volume > MAX_VOLUME) {
      throw ApiError.invalidParameter(`volume must be a number from 0 to ${MAX_VOLUME}`);
    }
    const speed = request.speed ?? DEFAULT_SPEED;
    if (!Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) {
      throw ApiError.invalidParameter(`speed must be a number from ${MIN_SPEED} to ${MAX_SPEED}`);
    }
    return {
      mode,
      text: request.text,
      referenceAudioId: request.referenceAudioId,
      instruct: mode === 'natural_language_replication' ? instruct : undefined,
      sampleRate,
      bitRateKbps: bitRateKbps(bitRate),
      volume,
      speed,
      outputFormat,
      seed: request.seed,
      stream: request.stream,
    };
  }

  /** Throws ApiError 400 when a text (or text piece) is empty or longer than the limit. */
  checkText(text: string): void {
    if (text.trim() === '') {
      throw ApiError.invalidParameter('text must not be empty');
    }
    const length = characterCount(text);
    if (length > this.maxTextLength) {
      throw ApiError.invalidParameter(
        `text has ${length} characters; the limit is ${this.maxTextLength}`,
      );
    }
    const unsplit = unsplitTextProblem(text, 'text');
    if (unsplit) {
      throw ApiError.invalidParameter(unsplit);
    }
  }

  /**
   * Text in pieces (a WebSocket task): the slot is taken only once the first piece is there, so
   * a task that waits for its text holds none. Waiting for it ends when `signal` aborts.
   */
  private async *runFromFirstText(
    run: {
      request: ResolvedRequest;
      text: AsyncIterable<string>;
      labels: SynthesisLabels;
      features: VoiceFeatures;
      promptText: string;
    },
    takeSlot: () => Promise<ReleaseSlot>,
    endAdmission: () => void,
    signal: AbortSignal,
  ): AsyncGenerator<EncodedAudioChunk> {
    signal.removeEventListener('abort', endAdmission);
    const pieces = run.text[Symbol.asyncIterator]();
    let first: IteratorResult<string>;
    let release: ReleaseSlot;
    try {
      first = await untilAborted(pieces.next(), signal);
      release = await takeSlot();
    } catch (error) {
      endAdmission();
      this.metrics.ended(run.labels, signal.aborted ? 'aborted' : 'rejected');
      throw signal.aborted ? signal.reason : error;
    }
    const text = prependPiece(first, pieces);
    yield* this.run(
      { ...run.request, text },
      run.labels,
      run.features,
      run.promptText,
      release,
      signal,
    );
  }

  private async *run(
    request: ResolvedRequest,
    labels: SynthesisLabels,
    voice: VoiceFeatures,
    promptText: string,
    release: ReleaseSlot,
    signal?: AbortSignal,
  ): AsyncGenerator<EncodedAudioChunk> {
    signal?.removeEventListener('abort', release);
    const clock = new SynthesisClock();
    const text =
      typeof request.text === 'string' ? request.text : clock.startOnFirstPiece(request.text);
    if (typeof request.text === 'string') {
      clock.start();
    }
    const input: SynthesisInput = {
      mode: request.mode,
      text,
      promptText,
      instruct: request.instruct,
      voice,
      speed: request.speed,
      stream: request.stream,
      seed: request.seed,
      signal,
    };
    let pieces = 0;
    let speechSeconds = 0;
    let outcome: SynthesisOutcome = 'aborted';
    const deliver = (piece: EncodedAudioChunk): EncodedAudioChunk => {
      if (pieces++ === 0) {
        this.metrics.firstAudioAfter(labels, piece.metrics.firstPackageSeconds);
      }
      speechSeconds += piece.metrics.speechSeconds;
      this.metrics.delivered(piece.metrics.speechSeconds);
      return piece;
    };
    try {
      signal?.throwIfAborted();
      const output = await EncodedOutput.create(request);
      // Leaving this loop early awaits the engine iterator's `return`, so `finally` below
      // releases the slot only once the engine has stopped.
      for await (const chunk of this.inference.synthesize(input)) {
        signal?.throwIfAborted();
        const piece = output.push(chunk.samples, chunk.modelSeconds, clock);
        if (piece) {
          yield deliver(piece);
        }
      }
      signal?.throwIfAborted();
      const tail = output.end(clock);
      if (tail) {
        yield deliver(tail);
      }
      outcome = 'completed';
      this.metrics.completed(labels, { processingSeconds: clock.elapsedSeconds(), speechSeconds });
    } catch (error) {
      if (signal?.aborted) {
        throw signal.reason;
      }
      outcome = 'failed';
      throw this.toApiError(error);
    } finally {
      this.metrics.ended(labels, outcome);
      release();
    }
  }

  private toApiError(error: unknown): ApiError {
    if (error instanceof ApiError) {
      return error;
    }
    if (error instanceof ModelNotLoadedError) {
      return ApiError.modelNotLoaded(error.message);
    }
    if (error instanceof InputRejectedError) {
      return ApiError.invalidParameter(error.message);
    }
    if (error instanceof EngineFailedError) {
      return ApiError.engineFailed(error.message);
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return ApiError.synthesisFailed();
  }
}

/** Settles as `promise` does, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
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
  private pendingModelSeconds = 0;

  private constructor(
    private readonly request: ResolvedRequest,
    private readonly encoder: StreamingAudioEncoder,
  ) {
    this.resampler =
      request.sampleRate === ENGINE_SAMPLE_RATE
        ? undefined
        : new StreamingResampler(ENGINE_SAMPLE_RATE, request.sampleRate);
    this.heldBackSeconds =
      request.outputFormat === 'mp3' ? MP3_FRAME_SAMPLES / request.sampleRate : 0;
  }

  static async create(request: ResolvedRequest): Promise<EncodedOutput> {
    const encoder = await createAudioEncoder({
      format: request.outputFormat,
      sampleRate: request.sampleRate,
      bitRateKbps: request.bitRateKbps,
    });
    return new EncodedOutput(request, encoder);
  }

  push(
    samples: Float32Array,
    modelSeconds: number,
    clock: SynthesisClock,
  ): EncodedAudioChunk | undefined {
    this.pendingSpeechSeconds += samples.length / ENGINE_SAMPLE_RATE;
    this.pendingModelSeconds += modelSeconds;
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
    const loud = this.request.volume === 1 ? samples : applyVolume(samples, this.request.volume);
    return this.encoder.push(this.resampler ? this.resampler.push(loud) : loud);
  }

  private piece(audio: Buffer, speechSeconds: number, clock: SynthesisClock): EncodedAudioChunk {
    const { costSeconds, firstPackageSeconds } = clock.lap();
    const metrics: ChunkMetrics = {
      speechSeconds,
      serverCostSeconds: costSeconds,
      modelSeconds: this.pendingModelSeconds,
      firstPackageSeconds,
    };
    this.pendingSpeechSeconds -= speechSeconds;
    this.pendingModelSeconds = 0;
    return { audio, metrics };
  }
}
