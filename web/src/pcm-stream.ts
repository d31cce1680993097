import { pcm16ToFloat, readWavHeader } from './wav.js';

/**
 * Turns the streamed chunks of a `wav` or `pcm` synthesis into samples as they arrive: skips the
 * WAV header (which may be split over chunks) and carries an odd trailing byte to the next chunk.
 */
export class PcmStreamReader {
  private pending: Uint8Array = new Uint8Array(0);
  private headerDone: boolean;

  constructor(format: 'wav' | 'pcm') {
    this.headerDone = format === 'pcm';
  }

  /** The samples completed by this chunk (possibly none). */
  push(chunk: Uint8Array): Float32Array {
    let bytes: Uint8Array = concat(this.pending, chunk);
    if (!this.headerDone) {
      const header = readWavHeader(bytes);
      if (!header) {
        this.pending = bytes;
        return new Float32Array(0);
      }
      if (header.bitsPerSample !== 16 || header.channels !== 1) {
        throw new Error(
          `unexpected WAV: ${header.channels} channels, ${header.bitsPerSample} bits`,
        );
      }
      this.headerDone = true;
      bytes = bytes.subarray(header.dataOffset);
    }
    const whole = bytes.length - (bytes.length % 2);
    this.pending = bytes.slice(whole);
    return pcm16ToFloat(bytes.subarray(0, whole));
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
