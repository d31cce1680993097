/**
 * Builds, in memory, the ONNX model of the CosyVoice2 LLM head that the exported pack leaves
 * outside its graphs: `logp = LogSoftmax(Gemm(hidden [1, H], W [V, H], b [V], transB=1))`.
 * Running it in onnxruntime puts the 896 × 6564 product on the configured execution provider
 * instead of a JavaScript loop. Only the few protobuf fields such a model needs are written.
 */
import {
  bytesField,
  floatInitializer,
  floatValueInfo,
  int64ScalarInitializer,
  intAttribute,
  modelOf,
  node,
  stringField,
} from '../runtime/onnx-model.writer.js';

/**
 * The serialized model: input `states` [1, positions, H] (the LLM's hidden states as it returns
 * them, so on a GPU device they never leave it), output `log_probs` [1, V] after the last position.
 * @param weight [V, H] row-major, as nn.Linear stores it
 * @param bias [V]
 */
export function buildLlmHeadModel(weight: Float32Array, bias: Float32Array): Uint8Array {
  const vocab = bias.length;
  const hidden = weight.length / vocab;
  if (!Number.isInteger(hidden) || hidden === 0) {
    throw new Error(`LLM head weight of ${weight.length} values does not fit a bias of ${vocab}`);
  }
  return modelOf([
    bytesField(1, node('Gather', ['states', 'last'], ['hidden'], [intAttribute('axis', 1)])),
    bytesField(
      1,
      node('Gemm', ['hidden', 'weight', 'bias'], ['logits'], [intAttribute('transB', 1)]),
    ),
    // LogSoftmax's default axis (-1) since opset 13 is the vocabulary axis.
    bytesField(1, node('LogSoftmax', ['logits'], ['log_probs'])),
    stringField(2, 'cosyvoice2_llm_head'),
    bytesField(5, floatInitializer('weight', [vocab, hidden], weight)),
    bytesField(5, floatInitializer('bias', [vocab], bias)),
    bytesField(5, int64ScalarInitializer('last', -1)),
    bytesField(11, floatValueInfo('states', [1, 'positions', hidden])),
    bytesField(12, floatValueInfo('log_probs', [1, vocab])),
  ]);
}
