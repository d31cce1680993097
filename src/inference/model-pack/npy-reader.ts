/**
 * Reader for NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), little-endian, C order.
 * Element types: f4, f8, f2 (widened to float32), i4, i8, u1 and b1.
 */

export type NpyDtype = 'float32' | 'float64' | 'float16' | 'int32' | 'int64' | 'uint8' | 'bool';

export interface NpyArray {
  /** Element type stored in the file. float16 data is returned widened to a Float32Array. */
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const DESCRIPTORS: Readonly<Record<string, { dtype: NpyDtype; bytes: number }>> = {
  f4: { dtype: 'float32', bytes: 4 },
  f8: { dtype: 'float64', bytes: 8 },
  f2: { dtype: 'float16', bytes: 2 },
  i4: { dtype: 'int32', bytes: 4 },
  i8: { dtype: 'int64', bytes: 8 },
  u1: { dtype: 'uint8', bytes: 1 },
  b1: { dtype: 'bool', bytes: 1 },
};

/** Parses a whole `.npy` file. Throws an Error saying what is wrong with it. */
export function readNpy(file: Uint8Array): NpyArray {
  if (file.length < 10 || MAGIC.some((byte, index) => file[index] !== byte)) {
    throw new Error('not a .npy file (the magic string \\x93NUMPY is missing)');
  }
  const major = file[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new Error(`unsupported .npy format version ${major}.${file[7]}`);
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + headerLengthBytes;
  const dataOffset = headerStart + headerLength;
  if (dataOffset > file.length) throw new Error('.npy header runs past the end of the file');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    file.subarray(headerStart, dataOffset),
  );
  const { descr, fortranOrder, shape } = parseHeader(header);
  if (fortranOrder) throw new Error('Fortran-ordered .npy arrays are not supported');
  const element = parseDescr(descr);
  const count = shape.reduce((product, dim) => product * dim, 1);
  const byteLength = count * element.bytes;
  if (file.length - dataOffset !== byteLength) {
    throw new Error(
      `.npy data has ${file.length - dataOffset} bytes, shape [${shape.join(', ')}] of ${descr} needs ${byteLength}`,
    );
  }
  const bytes = Uint8Array.prototype.slice.call(file, dataOffset, dataOffset + byteLength);
  return { dtype: element.dtype, shape, data: typedArray(element.dtype, bytes.buffer, count) };
}

/** The array as float32 (float64 and integers are converted; float32 is returned as is). */
export function npyToFloat32(array: NpyArray): Float32Array {
  if (array.data instanceof Float32Array) return array.data;
  if (array.data instanceof BigInt64Array) return Float32Array.from(array.data, Number);
  return Float32Array.from(array.data);
}

function parseHeader(header: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`malformed .npy header ${JSON.stringify(header.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const dim = Number(part.replace(/L$/, ''));
      if (!Number.isSafeInteger(dim) || dim < 0) {
        throw new Error(`malformed .npy shape (${shapeText})`);
      }
      return dim;
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

function parseDescr(descr: string): { dtype: NpyDtype; bytes: number } {
  const order = descr[0];
  const element = DESCRIPTORS[descr.slice(1)];
  if (element === undefined) {
    throw new Error(
      `unsupported .npy element type '${descr}' (supported: f4, f8, f2, i4, i8, u1, b1)`,
    );
  }
  const littleEndian = order === '<' || (order === '|' && element.bytes === 1);
  if (!littleEndian)
    throw new Error(`unsupported .npy byte order in '${descr}' (need little-endian)`);
  return element;
}

function typedArray(dtype: NpyDtype, buffer: ArrayBufferLike, count: number): NpyArray['data'] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, count);
    case 'float64':
      return new Float64Array(buffer, 0, count);
    case 'float16':
      return halfToFloat32(new Uint16Array(buffer, 0, count));
    case 'int32':
      return new Int32Array(buffer, 0, count);
    case 'int64':
      return new BigInt64Array(buffer, 0, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, 0, count);
  }
}

function halfToFloat32(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  for (let index = 0; index < half.length; index++) {
    const bits = half[index];
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) out[index] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 0x1f) out[index] = fraction === 0 ? sign * Infinity : NaN;
    else out[index] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}
