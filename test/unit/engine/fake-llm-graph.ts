import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { EmbeddingTable } from '../../../src/inference/cosyvoice2/llm/embedding-table.js';

/** Sizes of the stand-in LLM used by the decoder unit tests. */
export const HIDDEN = 4;
export const VOCAB = 6564;
export const LAYERS = 2;
export const KV_HEADS = 2;
export const HEAD_DIM = 3;
export const EOS = 6561;
export const FILL = 6563;

export const LLM_OUTPUT_NAMES = [
  'y_pred',
  ...Array.from({ length: LAYERS }, (_, l) => [`key_out${l}`, `value_out${l}`]).flat(),
];

export function table(
  rows: number,
  cols: number,
  value: (row: number, col: number) => number,
): EmbeddingTable {
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = value(r, c);
  return { data, rows, cols };
}

/**
 * What a stand-in LLM graph returns for `length` new positions: the given hidden states, and
 * every layer's caches grown by `length` positions (zeros), as the real graph's outputs.
 */
export function llmOutputs(
  hidden: Float32Array,
  length: number,
  caches: Record<string, Tensor>,
): Record<string, Tensor> {
  const out: Record<string, Tensor> = {
    y_pred: new Tensor('float32', hidden, [1, length, HIDDEN]),
  };
  for (let l = 0; l < LAYERS; l++) {
    const positions = caches[`key_cache${l}`].dims[2] + length;
    const dims = [1, KV_HEADS, positions, HEAD_DIM];
    const size = KV_HEADS * positions * HEAD_DIM;
    out[`key_out${l}`] = new Tensor('float32', new Float32Array(size), dims);
    out[`value_out${l}`] = new Tensor('float32', new Float32Array(size), dims);
  }
  return out;
}

/** embed_tokens stand-in: id → [id, id, id, id] / 1000. */
export const fakeEmbedTokens = {
  inputNames: ['input'],
  outputNames: ['embedded'],
  run(feeds: Record<string, Tensor>) {
    const ids = feeds.input.data as Int32Array;
    const out = new Float32Array(ids.length * HIDDEN);
    ids.forEach((id, i) => out.fill(id / 1000, i * HIDDEN, (i + 1) * HIDDEN));
    return Promise.resolve({ embedded: new Tensor('float32', out, [1, ids.length, HIDDEN]) });
  },
} as unknown as InferenceSession;
