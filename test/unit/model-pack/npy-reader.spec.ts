import { describe, expect, it } from 'vitest';
import { npyToFloat32, readNpy } from '../../../src/inference/model-pack/npy-reader.js';

/** Builds a .npy file the way numpy.save does (header padded to a multiple of 64 bytes). */
function npy(descr: string, shape: number[], data: Uint8Array, version = 1, fortran = false) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  header += ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const head = new Uint8Array(prefix);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(head.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

const bytes = (array: ArrayBufferView) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

describe('readNpy', () => {
  it('reads a version 1.0 float32 matrix with its shape', () => {
    const values = Float32Array.from([1.5, -2, 3.25, 4, 5, 6]);
    const array = readNpy(npy('<f4', [2, 3], bytes(values)));
    expect(array.dtype).toBe('float32');
    expect(array.shape).toEqual([2, 3]);
    expect(Array.from(array.data as Float32Array)).toEqual([1.5, -2, 3.25, 4, 5, 6]);
  });

  it('reads version 2.0 and 3.0 headers', () => {
    const values = Int32Array.from([7, -8, 9]);
    expect(Array.from(readNpy(npy('<i4', [3], bytes(values), 2)).data as Int32Array)).toEqual([
      7, -8, 9,
    ]);
    expect(Array.from(readNpy(npy('<i4', [3], bytes(values), 3)).data as Int32Array)).toEqual([
      7, -8, 9,
    ]);
  });

  it('reads int64 as BigInt64Array and converts it to float32 on request', () => {
    const array = readNpy(npy('<i8', [2], bytes(BigInt64Array.from([6561n, -1n]))));
    expect(array.data).toEqual(BigInt64Array.from([6561n, -1n]));
    expect(Array.from(npyToFloat32(array))).toEqual([6561, -1]);
  });

  it('widens float16 to float32 exactly (normal, subnormal, negative, infinity)', () => {
    // 1.0, -2.5, 2^-24 (smallest subnormal), 65504 (largest normal), +inf
    const half = Uint16Array.from([0x3c00, 0xc100, 0x0001, 0x7bff, 0x7c00]);
    const array = readNpy(npy('<f2', [5], bytes(half)));
    expect(array.dtype).toBe('float16');
    expect(Array.from(array.data as Float32Array)).toEqual([1, -2.5, 2 ** -24, 65504, Infinity]);
  });

  it('reads a scalar (shape ())', () => {
    const array = readNpy(npy('<f8', [], bytes(Float64Array.from([0.125]))));
    expect(array.shape).toEqual([]);
    expect(Array.from(array.data as Float64Array)).toEqual([0.125]);
  });

  it('reads data that is not aligned to its element size in the file buffer', () => {
    const file = npy('<f4', [2], bytes(Float32Array.from([1, 2])));
    const shifted = new Uint8Array(file.length + 1).subarray(1);
    shifted.set(file);
    expect(Array.from(readNpy(shifted).data as Float32Array)).toEqual([1, 2]);
  });

  it('rejects files that are not .npy, truncated data, big-endian and Fortran order', () => {
    expect(() => readNpy(Buffer.from('PK\u0003\u0004 not numpy'))).toThrow(
      'not a .npy file (the magic string \\x93NUMPY is missing)',
    );
    expect(() => readNpy(npy('<f4', [4], new Uint8Array(12)))).toThrow(
      '.npy data has 12 bytes, shape [4] of <f4 needs 16',
    );
    expect(() => readNpy(npy('>f4', [1], new Uint8Array(4)))).toThrow(
      "unsupported .npy byte order in '>f4' (need little-endian)",
    );
    expect(() => readNpy(npy('<c8', [1], new Uint8Array(8)))).toThrow(
      "unsupported .npy element type '<c8'",
    );
    expect(() => readNpy(npy('<f4', [2, 2], new Uint8Array(16), 1, true))).toThrow(
      'Fortran-ordered .npy arrays are not supported',
    );
  });
});
