import {
  BISTREAM_SPEECH_GROUP,
  BISTREAM_TEXT_GROUP,
  EOS_TOKEN,
  FILL_TOKEN,
  MAX_TOKEN_TEXT_RATIO,
  SOS_EMBEDDING_ROW,
  STOP_TOKENS,
  TASK_ID_EMBEDDING_ROW,
} from '../cosyvoice2.constants.js';
import { gatherRows } from './embedding-table.js';
import { embedTextIds, LlmCacheSession } from './llm-cache.session.js';
import type { LlmResources } from './llm-resources.js';
import type { SessionTimer } from '../runtime/session-timer.js';
import type { SpeechTokenSampler } from './speech-token.sampler.js';
import { InputRejectedError } from '../../inference.provider.js';

export interface BistreamLlmRequest {
  /** Prompt text ids of the mode: transcript (zero-shot), instruction (instruct2) or none. */
  promptTextIds: Int32Array;
  /** Prompt speech tokens (zero-shot), or none. */
  promptSpeechTokens: Int32Array;
  /** Target text ids, one array per text piece as the piece arrives. */
  textPieces: AsyncIterable<Int32Array>;
  /** Most speech tokens the utterance may hold; one more is an UtteranceTooLongError. */
  maxSpeechTokens: number;
  sampler: SpeechTokenSampler;
  timer: SessionTimer;
  signal?: AbortSignal;
}

/** The utterance would outgrow what token2wav can render (the flow noise buffer). */
export class UtteranceTooLongError extends InputRejectedError {
  override name = 'UtteranceTooLongError';
}

/** Embedding rows waiting in order, taken from the front. */
class EmbeddingRows {
  private data = new Float32Array(0);

  constructor(private readonly hidden: number) {}

  get rows(): number {
    return this.data.length / this.hidden;
  }

  push(rows: Float32Array): void {
    if (rows.length === 0) return;
    const joined = new Float32Array(this.data.length + rows.length);
    joined.set(this.data, 0);
    joined.set(rows, this.data.length);
    this.data = joined;
  }

  take(count: number): Float32Array {
    const taken = this.data.subarray(0, count * this.hidden);
    this.data = this.data.subarray(count * this.hidden);
    return taken;
  }

  takeAll(): Float32Array {
    return this.take(this.rows);
  }
}

/**
 * The official `Qwen2LM.inference_bistream` schedule (internals §3.6) for text that arrives in
 * pieces, over one KV-cache session:
 * - the input starts as [sos]; the prompt text embeddings start the text cache; text tokens are
 *   taken one at a time;
 * - while prompt speech remains, every 5 cached text embeddings go in with the next 15 prompt
 *   speech embeddings;
 * - then decoding starts (after 5 more text embeddings when there is no prompt speech, or after a
 *   fill token); the fill token is forced when `next_fill_index` is reached, first at
 *   (P // 15 + 1)·15 − P speech tokens, then every 16 outputs; otherwise sampling runs with EOS
 *   masked, and a sampled fill also waits for more text (next fill 16 outputs later);
 * - when the text ends: [rest of the text cache, task_id, rest of the prompt speech] go in and
 *   decoding runs until a stop token, capped at 20 × the target text tokens (the official code has
 *   no cap there).
 *
 * Two choices differ from the official code, which at the end of text drops the prompt speech not
 * yet interleaved and, after a fill, re-feeds an input that is already in the cache: here nothing
 * is fed twice and the remaining prompt speech follows task_id (the training layout, and that of
 * the unistream zero-shot prompt).
 */
export class BistreamLlmDecoder {
  constructor(private readonly resources: LlmResources) {}

  /** Yields speech tokens (never the fill token) as they are sampled. */
  async *generate(request: BistreamLlmRequest): AsyncGenerator<number> {
    const { resources } = this;
    const { llmEmbedding, speechEmbedding } = resources;
    const { sampler, timer, signal } = request;
    const session = new LlmCacheSession(resources, timer);
    try {
      const pending = new EmbeddingRows(llmEmbedding.cols);
      const textCache = new EmbeddingRows(llmEmbedding.cols);
      const promptSpeech = new EmbeddingRows(llmEmbedding.cols);
      pending.push(gatherRows(llmEmbedding, [SOS_EMBEDDING_ROW]));
      textCache.push(await embedTextIds(resources, request.promptTextIds, timer));
      promptSpeech.push(gatherRows(speechEmbedding, request.promptSpeechTokens));

      const promptTokens = request.promptSpeechTokens.length;
      let nextFillIndex =
        (Math.floor(promptTokens / BISTREAM_SPEECH_GROUP) + 1) * BISTREAM_SPEECH_GROUP -
        promptTokens;
      /** Every output of the LLM, fill tokens included (as the official `out_tokens`). */
      const outputs: number[] = [];
      let speechTokens = 0;
      let targetTextTokens = 0;

      const emit = (token: number): number => {
        if (speechTokens >= request.maxSpeechTokens) {
          throw new UtteranceTooLongError(
            `the text in pieces needs more than ${request.maxSpeechTokens} speech tokens, ` +
              'the longest utterance the flow can render; send shorter tasks',
          );
        }
        speechTokens++;
        pending.push(gatherRows(speechEmbedding, [token]));
        return token;
      };

      for await (const ids of request.textPieces) {
        const embedded = await embedTextIds(resources, ids, timer);
        for (let i = 0; i < ids.length; i++) {
          targetTextTokens++;
          textCache.push(embedded.subarray(i * llmEmbedding.cols, (i + 1) * llmEmbedding.cols));
          while (promptSpeech.rows > 0 && textCache.rows >= BISTREAM_TEXT_GROUP) {
            pending.push(textCache.take(BISTREAM_TEXT_GROUP));
            pending.push(promptSpeech.take(BISTREAM_SPEECH_GROUP));
          }
          if (promptSpeech.rows > 0) continue;
          const waitingForText =
            outputs.at(-1) === FILL_TOKEN || (outputs.length === 0 && pending.rows === 1);
          if (waitingForText) {
            if (textCache.rows < BISTREAM_TEXT_GROUP) continue;
            pending.push(textCache.take(BISTREAM_TEXT_GROUP));
          }
          for (;;) {
            signal?.throwIfAborted();
            const logProbs = await session.append(pending.takeAll());
            let token: number;
            if (outputs.length === nextFillIndex) {
              token = FILL_TOKEN;
            } else {
              token = sampler.sample(logProbs, outputs, true);
            }
            if (token === FILL_TOKEN) nextFillIndex = outputs.length + BISTREAM_SPEECH_GROUP + 1;
            outputs.push(token);
            if (token === FILL_TOKEN) break;
            if (token >= EOS_TOKEN) {
              throw new Error(`the LLM produced token ${token} while text was still arriving`);
            }
            yield emit(token);
          }
        }
      }

      if (targetTextTokens === 0) return;
      pending.push(textCache.takeAll());
      pending.push(gatherRows(llmEmbedding, [TASK_ID_EMBEDDING_ROW]));
      pending.push(promptSpeech.takeAll());
      const maxLength = targetTextTokens * MAX_TOKEN_TEXT_RATIO;
      while (speechTokens < maxLength) {
        signal?.throwIfAborted();
        const logProbs = await session.append(pending.takeAll());
        const token = sampler.sample(logProbs, outputs, false);
        outputs.push(token);
        if (STOP_TOKENS.has(token)) return;
        yield emit(token);
      }
    } finally {
      session.release();
    }
  }
}
