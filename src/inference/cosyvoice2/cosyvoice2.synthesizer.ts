import { Logger } from '@nestjs/common';
import type { TextStreamMode } from '../../config/app-config.js';
import type { SpeechChunk, SynthesisInput } from '../inference.types.js';
import type { BistreamLlmDecoder } from './llm/bistream-llm.decoder.js';
import { TOKEN_MEL_RATIO } from './cosyvoice2.constants.js';
import { FLOW_NOISE_FRAMES } from './flow/flow-noise.js';
import type { LlmDecoder } from './llm/llm-decoder.js';
import { llmPromptParts } from './llm/llm-prompt.js';
import { speechTokenDigest } from './llm/speech-token.digest.js';
import { checkPromptTextTokens } from './text/prompt-text.limits.js';
import { SeededRandom } from './runtime/seeded-random.js';
import { SessionTimer } from './runtime/session-timer.js';
import { SpeechTokenBuffer } from './token2wav/speech-token.buffer.js';
import { SpeechTokenSampler } from './llm/speech-token.sampler.js';
import { StreamingTokenSchedule } from './token2wav/streaming-token2wav.schedule.js';
import type { SynthesisTextSource } from './text/synthesis-text.source.js';
import type { TokenToWav } from './token2wav/token-to-wav.js';

/** What one segment of a request shares with the others. */
interface RequestContext {
  input: SynthesisInput;
  promptTextIds: Int32Array;
  llmPromptSpeech: Int32Array;
  sampler: SpeechTokenSampler;
  timer: SessionTimer;
}

/** Starts the LLM of one utterance; `signal` stops it. */
type TokenSource = (signal: AbortSignal | undefined) => AsyncGenerator<number>;

/**
 * One synthesis request: text segments in order, each through the LLM and token2wav. Text in
 * pieces is cut into sentences (`sentence` mode) or, in `bistream` mode, fed to the LLM as it
 * arrives and spoken as one utterance. Sampling uses one PRNG per request, seeded by `input.seed`
 * (or a fresh random seed), so a seed reproduces the whole request bit for bit.
 */
export class CosyVoice2Synthesizer {
  private readonly logger = new Logger('CosyVoice2Synthesizer');

  constructor(
    private readonly text: SynthesisTextSource,
    private readonly llm: LlmDecoder,
    private readonly bistreamLlm: BistreamLlmDecoder,
    private readonly tokenToWav: TokenToWav,
    private readonly textStreamMode: TextStreamMode,
  ) {}

  async *synthesize(input: SynthesisInput): AsyncGenerator<SpeechChunk> {
    const { signal } = input;
    signal?.throwIfAborted();
    const promptText = input.mode === 'zero_shot' ? this.text.prompt(input.promptText) : '';
    const parts = llmPromptParts(input.mode, promptText, input.instruct);
    const promptTextIds = this.text.encode(parts.promptText);
    if (input.mode === 'zero_shot') {
      checkPromptTextTokens(promptTextIds.length, "the voice's transcript");
    } else {
      checkPromptTextTokens(promptTextIds.length, 'instruct', 'instruct');
    }
    const context: RequestContext = {
      input,
      promptTextIds,
      llmPromptSpeech: parts.usePromptSpeech ? input.voice.speechTokens : new Int32Array(0),
      sampler: new SpeechTokenSampler(SeededRandom.fromOptionalSeed(input.seed)),
      timer: new SessionTimer(),
    };
    if (typeof input.text !== 'string' && this.textStreamMode === 'bistream') {
      yield* this.utterance(this.bistreamTokens(input.text, context), context);
      return;
    }
    for await (const segment of this.text.segments(input.text, signal)) {
      signal?.throwIfAborted();
      yield* this.utterance((llmSignal) => this.tokens(segment, context, llmSignal), context);
    }
  }

  /** One utterance from the speech tokens of `source`, whole or streamed as the request asks. */
  private async *utterance(
    source: TokenSource,
    context: RequestContext,
  ): AsyncGenerator<SpeechChunk> {
    const { signal, stream } = context.input;
    const tokens: number[] = [];
    const recorded: TokenSource = (llmSignal) => recordTokens(source(llmSignal), tokens);
    const chunks = stream
      ? this.streamUtterance(recorded, context)
      : this.wholeUtterance(recorded, context);
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      yield chunk;
    }
    this.logger.debug(`utterance done: ${speechTokenDigest(tokens)}`);
  }

  private async *wholeUtterance(
    source: TokenSource,
    context: RequestContext,
  ): AsyncGenerator<SpeechChunk> {
    const { input, timer } = context;
    const tokens: number[] = [];
    for await (const token of source(input.signal)) tokens.push(token);
    const samples = await this.tokenToWav.whole(
      Int32Array.from(tokens),
      input.voice,
      input.speed,
      timer,
      input.signal,
    );
    if (samples.length > 0) yield { samples, modelSeconds: timer.takeSeconds() };
  }

  /**
   * Streams one utterance: the LLM runs on as a producer while the consumer turns every scheduled
   * chunk into audio. Leaving early (abort, error or the caller stopping) stops the LLM and waits
   * for it, so nothing keeps running after the generator ends.
   */
  private async *streamUtterance(
    source: TokenSource,
    context: RequestContext,
  ): AsyncGenerator<SpeechChunk> {
    const { input, timer } = context;
    const schedule = new StreamingTokenSchedule(input.voice.speechTokens.length);
    const stream = this.tokenToWav.stream(input.voice, input.speed);
    const stopLlm = new AbortController();
    const llmSignal = input.signal
      ? AbortSignal.any([input.signal, stopLlm.signal])
      : stopLlm.signal;
    const buffer = new SpeechTokenBuffer();
    const generation = buffer.fill(source(llmSignal));
    try {
      for (;;) {
        const step = schedule.nextChunk(buffer.tokens.length);
        if (step) {
          const tokens = Int32Array.from(buffer.tokens);
          const samples = await stream.chunk(tokens, step, timer, input.signal);
          yield { samples, modelSeconds: timer.takeSeconds() };
        } else if (buffer.isFinished()) {
          break;
        } else {
          await buffer.changed();
        }
      }
      if (buffer.tokens.length === 0) return;
      const last = schedule.finalChunk(buffer.tokens.length);
      const samples = await stream.chunk(Int32Array.from(buffer.tokens), last, timer, input.signal);
      if (samples.length > 0) yield { samples, modelSeconds: timer.takeSeconds() };
    } finally {
      stopLlm.abort();
      await generation;
    }
  }

  private tokens(
    segment: string,
    context: RequestContext,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<number> {
    const targetIds = this.text.encode(segment);
    const textIds = new Int32Array(context.promptTextIds.length + targetIds.length);
    textIds.set(context.promptTextIds, 0);
    textIds.set(targetIds, context.promptTextIds.length);
    return this.llm.generate({
      textIds,
      targetTextTokens: targetIds.length,
      promptSpeechTokens: context.llmPromptSpeech,
      sampler: context.sampler,
      timer: context.timer,
      signal,
    });
  }

  /**
   * The bistream LLM over the text pieces (tokenised one by one, not normalised). The utterance may
   * hold as many speech tokens as the flow noise buffer covers after the prompt tokens.
   */
  private bistreamTokens(text: AsyncIterable<string>, context: RequestContext): TokenSource {
    const promptTokens = context.input.voice.speechTokens.length;
    return (signal) =>
      this.bistreamLlm.generate({
        promptTextIds: context.promptTextIds,
        promptSpeechTokens: context.llmPromptSpeech,
        textPieces: this.text.pieceIds(text, signal),
        maxSpeechTokens: Math.floor(FLOW_NOISE_FRAMES / TOKEN_MEL_RATIO) - promptTokens,
        sampler: context.sampler,
        timer: context.timer,
        signal,
      });
  }
}

/** The tokens of `source`, each also appended to `into`. */
async function* recordTokens(source: AsyncGenerator<number>, into: number[]): AsyncGenerator<number> {
  for await (const token of source) {
    into.push(token);
    yield token;
  }
}
