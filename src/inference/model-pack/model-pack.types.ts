import type { InferenceDevice } from '../../config/app-config.js';
import type { InferenceSession } from 'onnxruntime-node';
import type { GraphRole, ModelPackManifest, TokenElementType } from './model-pack.manifest.js';

/** A row-major float32 table read from a `.npy` file. */
export interface Float32Table {
  data: Float32Array;
  shape: number[];
}

export interface ModelPackTables {
  /** [rows ≥ 6561, hidden] (6564 in CosyVoice2-0.5B): speech token embeddings fed back into the LLM. */
  speechEmbedding: Float32Table;
  /** [2, hidden]: row 0 = sos, row 1 = task_id. */
  llmEmbedding: Float32Table;
  /** [speechVocabSize, hidden]: logits = hidden · weightᵀ + bias. */
  llmDecoderWeight: Float32Table;
  /** [speechVocabSize]. */
  llmDecoderBias: Float32Table;
}

/** Sizes read from the pack itself (tables and graph metadata), not assumed. */
export interface ModelPackDims {
  /** LLM hidden size (896 in CosyVoice2-0.5B), from llm_embedding. */
  hiddenSize: number;
  /** Number of LLM layers = number of `key_cacheN` inputs (24). */
  numLayers: number;
  /** KV heads per layer (2), dimension 1 of the cache inputs. */
  kvHeads: number;
  /** Head dimension (64), dimension 3 of the cache inputs. */
  headDim: number;
  /** Rows of llm_decoder (weight and bias): 6561 speech tokens + eos + 2 in CosyVoice2-0.5B (6564). */
  speechVocabSize: number;
}

/** Integer element types the graphs declare for token inputs/outputs. */
export interface ModelPackTokenDtypes {
  /** embed_tokens `input`. */
  textIds: TokenElementType;
  /** flow encoder `token`. */
  flowToken: TokenElementType;
  /** flow encoder `prompt_token`. */
  flowPromptToken: TokenElementType;
  /** speech tokenizer output 0. */
  speechTokenizerOutput: TokenElementType;
}

export interface LoadedModelPack {
  /** Absolute MODEL_DIR. */
  dir: string;
  /** Execution provider the sessions were created with. */
  device: InferenceDevice;
  manifest: ModelPackManifest;
  sessions: Record<GraphRole, InferenceSession>;
  tables: ModelPackTables;
  /** The parsed HuggingFace `tokenizer.json` (Qwen2 BPE + CosyVoice2 added tokens). */
  tokenizerJson: Record<string, unknown>;
  dims: ModelPackDims;
  tokenDtypes: ModelPackTokenDtypes;
  /** Releases every session. */
  release(): Promise<void>;
}
