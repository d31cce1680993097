/**
 * The few protobuf fields of an ONNX model that the engine's in-memory graphs need (the LLM head,
 * the flow's device upload), written by hand: nodes, float/int64 initializers, float inputs and
 * outputs with fixed or symbolic dimensions.
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

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function intField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field * 8 + WIRE_VARINT), ...varint(value)]);
}

export function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return concat([
    Uint8Array.from([...varint(field * 8 + WIRE_BYTES), ...varint(payload.length)]),
    payload,
  ]);
}

export function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, encoder.encode(text));
}

/** ValueInfoProto of a float tensor; a dimension is a fixed size or a symbolic name. */
export function floatValueInfo(name: string, dims: ReadonlyArray<number | string>): Uint8Array {
  const shape = concat(
    dims.map((dim) =>
      bytesField(1, typeof dim === 'number' ? intField(1, dim) : stringField(2, dim)),
    ),
  );
  const tensorType = concat([intField(1, FLOAT_ELEMENT), bytesField(2, shape)]);
  return concat([stringField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

/** TensorProto initializer holding float32 data as raw little-endian bytes. */
export function floatInitializer(
  name: string,
  dims: readonly number[],
  data: Float32Array,
): Uint8Array {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return concat([
    ...dims.map((dim) => intField(1, dim)),
    intField(2, FLOAT_ELEMENT),
    stringField(8, name),
    bytesField(9, raw),
  ]);
}

/** A scalar int64 initializer (raw little-endian bytes). */
export function int64ScalarInitializer(name: string, value: number): Uint8Array {
  const raw = new Uint8Array(8);
  new DataView(raw.buffer).setBigInt64(0, BigInt(value), true);
  return concat([intField(2, INT64_ELEMENT), stringField(8, name), bytesField(9, raw)]);
}

export function node(
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

export function intAttribute(name: string, value: number): Uint8Array {
  return concat([stringField(1, name), intField(3, value), intField(20, ATTRIBUTE_INT)]);
}

/** ModelProto (IR 8, opset 17) around a GraphProto's fields. */
export function modelOf(graphFields: Uint8Array[]): Uint8Array {
  return concat([
    intField(1, IR_VERSION),
    bytesField(8, intField(2, OPSET)),
    bytesField(7, concat(graphFields)),
  ]);
}
