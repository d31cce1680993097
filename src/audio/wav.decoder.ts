import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import { PcmAudio } from './audio.types.js';

/**
 * RIFF/WAVE reader: integer PCM 8 (unsigned), 16, 24 and 32 bit, IEEE float 32/64 bit, plain or
 * WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono), 8–48 kHz.
 *
 * A `data` chunk whose size field says "unknown" (0 or 0xFFFFFFFF, as streaming writers emit)
 * extends to the end of the file. A `data` chunk that declares more bytes than the file holds
 * is truncated and rejected.
 */

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const UNKNOWN_SIZE = 0xffffffff;
export const MIN_WAV_SAMPLE_RATE = 8000;
export const MAX_WAV_SAMPLE_RATE = 48000;

interface WavFormat {
  encoding: 'int' | 'float';
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

function fourCc(bytes: Buffer, offset: number): string {
  return bytes.toString('latin1', offset, offset + 4);
}

function parseFormat(bytes: Buffer, offset: number, size: number): WavFormat {
  if (size < 16) throw new AudioDecodeError('WAV file has a malformed "fmt " chunk');
  let formatTag = bytes.readUInt16LE(offset);
  const channels = bytes.readUInt16LE(offset + 2);
  const sampleRate = bytes.readUInt32LE(offset + 4);
  const blockAlign = bytes.readUInt16LE(offset + 12);
  const bitsPerSample = bytes.readUInt16LE(offset + 14);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw new AudioDecodeError('WAV file has a malformed extensible "fmt " chunk');
    // the first two bytes of the SubFormat GUID carry the actual format tag
    formatTag = bytes.readUInt16LE(offset + 24);
  }
  let encoding: WavFormat['encoding'];
  if (formatTag === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)) {
    encoding = 'int';
  } else if (formatTag === WAVE_FORMAT_IEEE_FLOAT && [32, 64].includes(bitsPerSample)) {
    encoding = 'float';
  } else {
    throw new AudioDecodeError(
      `unsupported WAV encoding (format tag 0x${formatTag.toString(16)}, ${bitsPerSample} bit); ` +
        'use PCM 8/16/24/32-bit or float 32-bit',
    );
  }
  if (channels < 1) throw new AudioDecodeError('WAV file declares zero channels');
  if (sampleRate < MIN_WAV_SAMPLE_RATE || sampleRate > MAX_WAV_SAMPLE_RATE) {
    throw new AudioDecodeError(
      `unsupported WAV sample rate ${sampleRate} Hz (supported: ${MIN_WAV_SAMPLE_RATE}–${MAX_WAV_SAMPLE_RATE} Hz)`,
    );
  }
  if (blockAlign !== channels * (bitsPerSample / 8)) {
    throw new AudioDecodeError('WAV file has an inconsistent block size in its "fmt " chunk');
  }
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign };
}

function readSample(bytes: Buffer, offset: number, format: WavFormat): number {
  if (format.encoding === 'float') {
    const value =
      format.bitsPerSample === 32 ? bytes.readFloatLE(offset) : bytes.readDoubleLE(offset);
    if (Number.isNaN(value)) return 0;
    return value > 1 ? 1 : value < -1 ? -1 : value;
  }
  switch (format.bitsPerSample) {
    case 8:
      return (bytes[offset] - 128) / 128;
    case 16:
      return bytes.readInt16LE(offset) / 32768;
    case 24:
      return bytes.readIntLE(offset, 3) / 8388608;
    default:
      return bytes.readInt32LE(offset) / 2147483648;
  }
}

function decodeFrames(
  bytes: Buffer,
  start: number,
  frames: number,
  format: WavFormat,
): Float32Array {
  const samples = new Float32Array(frames);
  const bytesPerSample = format.bitsPerSample / 8;
  for (let frame = 0; frame < frames; frame++) {
    const frameOffset = start + frame * format.blockAlign;
    let sum = 0;
    for (let channel = 0; channel < format.channels; channel++) {
      sum += readSample(bytes, frameOffset + channel * bytesPerSample, format);
    }
    samples[frame] = sum / format.channels;
  }
  return samples;
}

export function isWav(bytes: Buffer): boolean {
  return bytes.length >= 12 && fourCc(bytes, 0) === 'RIFF' && fourCc(bytes, 8) === 'WAVE';
}

/** Refuses audio longer than `maxSeconds` from the data chunk's size, before decoding it. */
export function decodeWav(bytes: Buffer, maxSeconds = Number.POSITIVE_INFINITY): PcmAudio {
  if (!isWav(bytes)) throw new AudioDecodeError('not a RIFF/WAVE file');
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourCc(bytes, offset);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'data') {
      if (!format) throw new AudioDecodeError('WAV file has no "fmt " chunk before its audio data');
      const available = bytes.length - body;
      const unknownLength = size === UNKNOWN_SIZE || size === 0;
      if (!unknownLength && size > available) {
        throw new AudioDecodeError(
          `WAV file is truncated: its data chunk declares ${size} bytes but only ${available} are present`,
        );
      }
      const dataBytes = unknownLength ? available : size;
      const frames = Math.floor(dataBytes / format.blockAlign);
      if (frames === 0) throw new AudioDecodeError('WAV file contains no audio samples');
      if (frames / format.sampleRate > maxSeconds) {
        throw new AudioTooLongError(frames / format.sampleRate, false, maxSeconds);
      }
      return { samples: decodeFrames(bytes, body, frames, format), sampleRate: format.sampleRate };
    }
    if (body + size > bytes.length) {
      throw new AudioDecodeError(`WAV file is truncated inside its "${id}" chunk`);
    }
    if (id === 'fmt ') format = parseFormat(bytes, body, size);
    offset = body + size + (size % 2);
  }
  throw new AudioDecodeError(
    format ? 'WAV file has no audio data chunk (truncated?)' : 'WAV file has no "fmt " chunk',
  );
}
