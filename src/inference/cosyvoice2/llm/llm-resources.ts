import type { InferenceSession } from 'onnxruntime-node';
import type { TokenTensorType } from '../runtime/onnx-tensors.js';
import type { EmbeddingTable } from './embedding-table.js';
import type { LlmHead } from './llm-head.js';

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
