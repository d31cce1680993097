import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { LlmResources } from './llm-resources.js';
import { causalMask, tensorToFloat32, tokenTensor } from '../runtime/onnx-tensors.js';
import type { SessionTimer } from '../runtime/session-timer.js';

/** `embed_tokens` of the Qwen2 backbone: text ids → [ids.length, hidden] embeddings. */
export async function embedTextIds(
  resources: LlmResources,
  ids: Int32Array,
  timer: SessionTimer,
): Promise<Float32Array> {
  if (ids.length === 0) return new Float32Array(0);
  const { embedTokens, embedTokensIdType, llmEmbedding } = resources;
  const outputs = await timer.run(embedTokens, {
    [embedTokens.inputNames[0]]: tokenTensor(ids, embedTokensIdType, [1, ids.length]),
  });
  const embedded = tensorToFloat32(outputs[embedTokens.outputNames[0]]);
  if (embedded.length !== ids.length * llmEmbedding.cols) {
    throw new Error(
      `embed_tokens returned ${embedded.length} values for ${ids.length} ids, ` +
        `expected ${ids.length} x ${llmEmbedding.cols}`,
    );
  }
  return embedded;
}

/** Releases a tensor's device memory; a CPU tensor is left to the garbage collector. */
function disposeOnDevice(tensor: Tensor): void {
  if (tensor.location === 'gpu-buffer') tensor.dispose();
}

/**
 * One LLM decoding session over the KV cache: every `append` feeds new input embeddings after the
 * cached positions (a causal mask over the new positions, the past caches as they were returned)
 * and gives the log-probabilities of the speech vocabulary at the last new position. On WebGPU
 * the caches and the hidden states stay on the device (the LLM session leaves its outputs there):
 * the caches are fed back as they are and the head reads the hidden states there, so only the
 * new embeddings go up and the log-probabilities come back. Call `release()` when done (also on
 * abort): it frees the device memory of the caches this session holds.
 */
export class LlmCacheSession {
  private cache: Record<string, Tensor>;

  constructor(
    private readonly resources: LlmResources,
    private readonly timer: SessionTimer,
  ) {
    this.cache = this.emptyCache();
  }

  /** Feeds `xs` ([n, hidden], n ≥ 1) and returns the log-probabilities after its last row. */
  async append(xs: Float32Array): Promise<Float32Array> {
    const hidden = this.resources.llmEmbedding.cols;
    const length = xs.length / hidden;
    if (!Number.isInteger(length) || length < 1) {
      throw new Error(`LLM input of ${xs.length} values is not a whole number of ${hidden}-d rows`);
    }
    const outputs = await this.timer.run(this.resources.llm, {
      xs: new Tensor('float32', xs, [1, length, hidden]),
      masks: causalMask(length),
      ...this.cache,
    });
    const states = this.keepCaches(outputs);
    try {
      return await this.resources.head.logProbs(states, this.timer);
    } finally {
      disposeOnDevice(states);
    }
  }

  /** Where the cache tensors are (`cpu`, or `gpu-buffer` on WebGPU): for tests and diagnostics. */
  cacheLocations(): Tensor.DataLocation[] {
    return Object.values(this.cache).map((tensor) => tensor.location);
  }

  /** Frees the caches' device memory; the session cannot be appended to afterwards. */
  release(): void {
    for (const tensor of Object.values(this.cache)) disposeOnDevice(tensor);
    this.cache = {};
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

  /**
   * Output 0 is the hidden state [1, L, hidden]; then key/value per layer, interleaved. Keeps the
   * new caches (freeing the old ones) and returns the hidden states.
   */
  private keepCaches(outputs: InferenceSession.ReturnType): Tensor {
    const names = this.resources.llm.outputNames;
    const nextCache: Record<string, Tensor> = {};
    for (let layer = 0; layer < this.resources.layers; layer++) {
      nextCache[`key_cache${layer}`] = outputs[names[1 + 2 * layer]];
      nextCache[`value_cache${layer}`] = outputs[names[2 + 2 * layer]];
    }
    this.release();
    this.cache = nextCache;
    return outputs[names[0]];
  }
}
