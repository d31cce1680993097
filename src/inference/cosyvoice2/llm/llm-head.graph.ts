/**
 * Builds, in memory, the ONNX model of the CosyVoice2 LLM head that the exported pack leaves
 * outside its graphs: `logp = LogSoftmax(Gemm(hidden [1, H], W [V, H], b [V], transB=1))`.
 * Running it in onnxruntime puts the 896 × 6564 product on the configured execution provider
 * instead of a JavaScript loop. Only the few protobuf fields such a model needs are written.
 */

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const FLOAT_ELEMENT = 1;
const INT64_ELEMENT = 7;
const ATTRIBUTE_INT = 2;
const IR_VERSION = 8;
const OPSET = 17;

const encoder = new TextEncoder();

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function intField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field * 8 + WIRE_VARINT), ...varint(value)]);
}

function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return concat([
    Uint8Array.from([...varint(field * 8 + WIRE_BYTES), ...varint(payload.length)]),
    payload,
  ]);
}

function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, encoder.encode(text));
}

/** ValueInfoProto of a float tensor; a dimension is a fixed size or a symbolic name. */
function floatValueInfo(name: string, dims: ReadonlyArray<number | string>): Uint8Array {
  const shape = concat(
    dims.map((dim) =>
      bytesField(1, typeof dim === 'number' ? intField(1, dim) : stringField(2, dim)),
    ),
  );
  const tensorType = concat([intField(1, FLOAT_ELEMENT), bytesField(2, shape)]);
  return concat([stringField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

/** TensorProto initializer holding float32 data as raw little-endian bytes. */
function floatInitializer(name: string, dims: readonly number[], data: Float32Array): Uint8Array {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return concat([
    ...dims.map((dim) => intField(1, dim)),
    intField(2, FLOAT_ELEMENT),
    stringField(8, name),
    bytesField(9, raw),
  ]);
}

/** A scalar int64 initializer (raw little-endian bytes). */
function int64ScalarInitializer(name: string, value: number): Uint8Array {
  const raw = new Uint8Array(8);
  new DataView(raw.buffer).setBigInt64(0, BigInt(value), true);
  return concat([intField(2, INT64_ELEMENT), stringField(8, name), bytesField(9, raw)]);
}

function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Uint8Array[] = [],
): Uint8Array {
  return concat([
    ...inputs.map((input) => stringField(1, input)),
    ...outputs.map((output) => stringField(2, output)),
    stringField(4, opType),
    ...attributes.map((attribute) => bytesField(5, attribute)),
  ]);
}

function intAttribute(name: string, value: number): Uint8Array {
  return concat([stringField(1, name), intField(3, value), intField(20, ATTRIBUTE_INT)]);
}

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
  const graph = concat([
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
  return concat([intField(1, IR_VERSION), bytesField(8, intField(2, OPSET)), bytesField(7, graph)]);
}
