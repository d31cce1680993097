import {
  MAX_TOKEN_TEXT_RATIO,
  MIN_TOKEN_TEXT_RATIO,
  SOS_EMBEDDING_ROW,
  STOP_TOKENS,
  TASK_ID_EMBEDDING_ROW,
} from '../cosyvoice2.constants.js';
import { gatherRows } from './embedding-table.js';
import { embedTextIds, LlmCacheSession } from './llm-cache.session.js';
import type { LlmResources } from './llm-resources.js';
import type { SessionTimer } from '../runtime/session-timer.js';
import type { SpeechTokenSampler } from './speech-token.sampler.js';

export interface LlmRequest {
  /** Prompt text ids (per mode) followed by the target text ids. */
  textIds: Int32Array;
  /** Target text tokens only: sets min/max length. */
  targetTextTokens: number;
  /** Prompt speech tokens after task_id (empty for cross-lingual and instruct2). */
  promptSpeechTokens: Int32Array;
  sampler: SpeechTokenSampler;
  timer: SessionTimer;
  signal?: AbortSignal;
}

/**
 * The CosyVoice2 LLM: prefill [sos, text, task_id, prompt speech] once, then decode one speech
 * token per step over the KV cache, feeding back `speech_embedding[token]`. Stops on
 * 6561/6562/6563 or after max_len steps; EOS is masked during the first min_len steps.
 */
export class LlmDecoder {
  constructor(private readonly resources: LlmResources) {}

  /** The prefill input [1 + text + 1 + speech, hidden] (internals §3.2). */
  async buildInput(request: LlmRequest): Promise<Float32Array> {
    const { llmEmbedding, speechEmbedding } = this.resources;
    const hidden = llmEmbedding.cols;
    const text = await embedTextIds(this.resources, request.textIds, request.timer);
    const speech = gatherRows(speechEmbedding, request.promptSpeechTokens);
    const input = new Float32Array(text.length + speech.length + 2 * hidden);
    input.set(gatherRows(llmEmbedding, [SOS_EMBEDDING_ROW]), 0);
    input.set(text, hidden);
    input.set(gatherRows(llmEmbedding, [TASK_ID_EMBEDDING_ROW]), hidden + text.length);
    input.set(speech, 2 * hidden + text.length);
    return input;
  }

  /** Yields speech tokens as they are sampled. */
  async *generate(request: LlmRequest): AsyncGenerator<number> {
    const minLength = Math.trunc(request.targetTextTokens * MIN_TOKEN_TEXT_RATIO);
    const maxLength = Math.trunc(request.targetTextTokens * MAX_TOKEN_TEXT_RATIO);

    const session = new LlmCacheSession(this.resources, request.timer);
    try {
      let xs = await this.buildInput(request);
      const decoded: number[] = [];
      for (let step = 0; step < maxLength; step++) {
        request.signal?.throwIfAborted();
        const logProbs = await session.append(xs);
        const token = request.sampler.sample(logProbs, decoded, step < minLength);
        if (STOP_TOKENS.has(token)) return;
        decoded.push(token);
        yield token;
        xs = gatherRows(this.resources.speechEmbedding, [token]);
      }
    } finally {
      session.release();
    }
  }
}
