import { Tensor } from 'onnxruntime-node';

/** Integer element types the exported graphs use for token ids. */
export type TokenTensorType = 'int32' | 'int64';

/** Token ids as an int32 or int64 tensor, whichever the graph declares. */
export function tokenTensor(
  ids: ArrayLike<number>,
  type: TokenTensorType,
  dims: readonly number[],
): Tensor {
  if (type === 'int64') {
    return new Tensor('int64', BigInt64Array.from(Array.from(ids, (id) => BigInt(id))), dims);
  }
  return new Tensor('int32', Int32Array.from(ids), dims);
}

/** Reads an integer tensor (int32 or int64) as plain numbers. */
export function tensorToInt32(tensor: Tensor): Int32Array {
  const data = tensor.data;
  if (data instanceof BigInt64Array) return Int32Array.from(data, (value) => Number(value));
  if (data instanceof Int32Array) return Int32Array.from(data);
  throw new Error(`expected an integer tensor, got ${tensor.type}`);
}

/** The float32 data of a tensor. */
export function tensorToFloat32(tensor: Tensor): Float32Array {
  if (!(tensor.data instanceof Float32Array)) {
    throw new Error(`expected a float32 tensor, got ${tensor.type}`);
  }
  return tensor.data;
}

/** A lower-triangular (causal) boolean mask [1, length, length]. */
export function causalMask(length: number): Tensor {
  const mask = new Uint8Array(length * length);
  for (let row = 0; row < length; row++) mask.fill(1, row * length, row * length + row + 1);
  return new Tensor('bool', mask, [1, length, length]);
}
