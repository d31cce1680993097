/** 16-bit PCM WAV files: writing one, and reading the header of one that is still streaming. */

export interface WavHeader {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Byte offset of the first sample (just after the `data` chunk header). */
  dataOffset: number;
}

/** A 16-bit mono WAV file of `samples` (floats in [-1, 1], clipped). */
export function encodeWav(samples: Float32Array, sampleRate: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  writeHeader(view, sampleRate, samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const sample = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + i * 2, Math.round(sample * 32767), true);
  }
  return bytes;
}

/** Raw 16-bit little-endian mono PCM wrapped in a WAV header. */
export function wrapPcm16(pcm: Uint8Array, sampleRate: number): Uint8Array {
  const bytes = new Uint8Array(44 + pcm.length);
  writeHeader(new DataView(bytes.buffer), sampleRate, pcm.length);
  bytes.set(pcm, 44);
  return bytes;
}

function writeHeader(view: DataView, sampleRate: number, dataBytes: number): void {
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
}

/**
 * The header of a WAV file from its first bytes, or undefined while they do not yet reach the
 * `data` chunk. Throws when the bytes are not a RIFF/WAVE file.
 */
export function readWavHeader(bytes: Uint8Array): WavHeader | undefined {
  if (bytes.length < 12) {
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WAVE') {
    throw new Error('not a WAV file');
  }
  let offset = 12;
  let format: Omit<WavHeader, 'dataOffset'> | undefined;
  while (offset + 8 <= bytes.length) {
    const id = fourCc(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') {
      if (!format) {
        throw new Error('WAV data chunk before its fmt chunk');
      }
      return { ...format, dataOffset: offset + 8 };
    }
    if (id === 'fmt ') {
      if (offset + 24 > bytes.length) {
        return undefined;
      }
      format = {
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        bitsPerSample: view.getUint16(offset + 22, true),
      };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/**
 * A streamed WAV (whose length fields say "unknown") made into a file with exact lengths, so
 * every player and editor reads it.
 */
export function withExactWavLengths(bytes: Uint8Array): Uint8Array {
  const header = readWavHeader(bytes);
  if (!header) {
    throw new Error('incomplete WAV header');
  }
  const fixed = bytes.slice();
  const view = new DataView(fixed.buffer);
  view.setUint32(4, fixed.length - 8, true);
  view.setUint32(header.dataOffset - 4, fixed.length - header.dataOffset, true);
  return fixed;
}

/** Little-endian 16-bit samples as floats in [-1, 1). */
export function pcm16ToFloat(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Float32Array(Math.floor(bytes.length / 2));
  for (let i = 0; i < samples.length; i++) {
    samples[i] = view.getInt16(i * 2, true) / 32768;
  }
  return samples;
}

function fourCc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}
