/** Conversions between float samples in [-1, 1] and 16-bit integer PCM. */

const INT16_SCALE = 32768;

/** Float → int16 with clipping: values beyond full scale saturate, they never wrap around. */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const scaled = Math.round(samples[i] * INT16_SCALE);
    out[i] = scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
  }
  return out;
}

/** A copy of `samples` with values beyond full scale saturated at -1 and 1. */
export function clipToFullScale(samples: Float32Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i];
    out[i] = value > 1 ? 1 : value < -1 ? -1 : value;
  }
  return out;
}

/** Float samples as 16-bit little-endian PCM bytes (clipped, see `floatToInt16`). */
export function floatToPcm16Bytes(samples: Float32Array): Buffer {
  const ints = floatToInt16(samples);
  const bytes = Buffer.alloc(ints.length * 2);
  for (let i = 0; i < ints.length; i++) bytes.writeInt16LE(ints[i], i * 2);
  return bytes;
}

/** 16-bit little-endian PCM bytes (mono) → float in [-1, 1). `bytes.length` must be even. */
export function pcm16BytesToFloat(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / INT16_SCALE;
  return out;
}
