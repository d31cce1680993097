import { Tensor, type InferenceSession } from 'onnxruntime-node';
import {
  MAX_TOKEN_TEXT_RATIO,
  MIN_TOKEN_TEXT_RATIO,
  SOS_EMBEDDING_ROW,
  STOP_TOKENS,
  TASK_ID_EMBEDDING_ROW,
} from './cosyvoice2.constants.js';
import { gatherRows, type EmbeddingTable } from './embedding-table.js';
import type { LlmHead } from './llm-head.js';
import { causalMask, tensorToFloat32, tokenTensor, type TokenTensorType } from './onnx-tensors.js';
import type { SessionTimer } from './session-timer.js';
import type { SpeechTokenSampler } from './speech-token.sampler.js';

/** What the LLM stage needs from the model pack. */
export interface LlmResources {
  /** Qwen2 backbone over `xs`/`masks` and per-layer `key_cacheN`/`value_cacheN`. */
  llm: InferenceSession;
  embedTokens: InferenceSession;
  embedTokensIdType: TokenTensorType;
  speechEmbedding: EmbeddingTable;
  llmEmbedding: EmbeddingTable;
  /** llm_decoder + log-softmax. */
  head: LlmHead;
  layers: number;
  kvHeads: number;
  headDim: number;
}

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
    const text = await this.embedText(request.textIds, request.timer);
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
    const { speechEmbedding, head } = this.resources;
    const hidden = speechEmbedding.cols;
    const minLength = Math.trunc(request.targetTextTokens * MIN_TOKEN_TEXT_RATIO);
    const maxLength = Math.trunc(request.targetTextTokens * MAX_TOKEN_TEXT_RATIO);

    let xs = await this.buildInput(request);
    let cache = this.emptyCache();
    const decoded: number[] = [];
    for (let step = 0; step < maxLength; step++) {
      request.signal?.throwIfAborted();
      const length = xs.length / hidden;
      const outputs = await request.timer.run(this.resources.llm, {
        xs: new Tensor('float32', xs, [1, length, hidden]),
        masks: causalMask(length),
        ...cache,
      });
      const { lastHidden, nextCache } = this.readOutputs(outputs, hidden);
      cache = nextCache;
      const logProbs = await head.logProbs(lastHidden, request.timer);
      const token = request.sampler.sample(logProbs, decoded, step < minLength);
      if (STOP_TOKENS.has(token)) return;
      decoded.push(token);
      yield token;
      xs = gatherRows(speechEmbedding, [token]);
    }
  }

  private async embedText(ids: Int32Array, timer: SessionTimer): Promise<Float32Array> {
    if (ids.length === 0) return new Float32Array(0);
    const { embedTokens, embedTokensIdType } = this.resources;
    const outputs = await timer.run(embedTokens, {
      [embedTokens.inputNames[0]]: tokenTensor(ids, embedTokensIdType, [1, ids.length]),
    });
    const embedded = tensorToFloat32(outputs[embedTokens.outputNames[0]]);
    if (embedded.length !== ids.length * this.resources.llmEmbedding.cols) {
      throw new Error(
        `embed_tokens returned ${embedded.length} values for ${ids.length} ids, ` +
          `expected ${ids.length} x ${this.resources.llmEmbedding.cols}`,
      );
    }
    return embedded;
  }

  private emptyCache(): Record<string, Tensor> {
    const { layers, kvHeads, headDim } = this.resources;
    const cache: Record<string, Tensor> = {};
    for (let layer = 0; layer < layers; layer++) {
      cache[`key_cache${layer}`] = new Tensor('float32', new Float32Array(0), [
        1,
        kvHeads,
        0,
        headDim,
      ]);
      cache[`value_cache${layer}`] = new Tensor('float32', new Float32Array(0), [
        1,
        kvHeads,
        0,
        headDim,
      ]);
    }
    return cache;
  }

  /** Output 0 is the hidden state [1, L, hidden]; then key/value per layer, interleaved. */
  private readOutputs(
    outputs: InferenceSession.ReturnType,
    hidden: number,
  ): { lastHidden: Float32Array; nextCache: Record<string, Tensor> } {
    const names = this.resources.llm.outputNames;
    const states = tensorToFloat32(outputs[names[0]]);
    const lastHidden = states.subarray(states.length - hidden);
    const nextCache: Record<string, Tensor> = {};
    for (let layer = 0; layer < this.resources.layers; layer++) {
      nextCache[`key_cache${layer}`] = outputs[names[1 + 2 * layer]];
      nextCache[`value_cache${layer}`] = outputs[names[2 + 2 * layer]];
    }
    return { lastHidden, nextCache };
  }
}
