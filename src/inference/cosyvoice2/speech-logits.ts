import type { EmbeddingTable } from './embedding-table.js';

/**
 * The LLM head outside the graph: logits = hidden · Wᵀ + b (W is [vocab, hidden], as nn.Linear
 * stores it), followed by log-softmax. Returns float32 log-probabilities over the vocabulary.
 */
export function speechLogProbs(
  hidden: Float32Array,
  weight: EmbeddingTable,
  bias: Float32Array,
): Float32Array {
  const { rows: vocab, cols: size, data } = weight;
  if (hidden.length !== size || bias.length !== vocab) {
    throw new Error(
      `LLM head mismatch: hidden ${hidden.length}, weight [${vocab}, ${size}], bias ${bias.length}`,
    );
  }
  const logits = new Float32Array(vocab);
  let max = -Infinity;
  for (let row = 0; row < vocab; row++) {
    const base = row * size;
    let sum = 0;
    for (let i = 0; i < size; i++) sum += hidden[i] * data[base + i];
    const logit = Math.fround(sum + bias[row]);
    logits[row] = logit;
    if (logit > max) max = logit;
  }
  let total = 0;
  for (let row = 0; row < vocab; row++) total += Math.exp(logits[row] - max);
  const logTotal = max + Math.log(total);
  for (let row = 0; row < vocab; row++) logits[row] -= logTotal;
  return logits;
}
