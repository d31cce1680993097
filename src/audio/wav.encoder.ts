import { PcmAudio, StreamingAudioEncoder } from './audio.types.js';
import { floatToPcm16Bytes } from './sample-conversion.js';

/** 16-bit PCM mono WAV writer, for whole files and for streams of unknown length. */

const WAV_HEADER_BYTES = 44;
const UNKNOWN_SIZE = 0xffffffff;

/**
 * The canonical 44-byte header of a 16-bit mono PCM WAV file. With `dataBytes` undefined both
 * size fields are 0xFFFFFFFF ("unknown length", what ffmpeg writes to a pipe); ffprobe, sox and
 * common players then read the data chunk up to the end of the file.
 */
export function wavHeader(sampleRate: number, dataBytes?: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(dataBytes === undefined ? UNKNOWN_SIZE : 36 + dataBytes, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes === undefined ? UNKNOWN_SIZE : dataBytes, 40);
  return header;
}

/** A complete WAV file (16-bit PCM mono) with exact size fields. Samples are clipped. */
export function encodeWav(pcm: PcmAudio): Buffer {
  const data = floatToPcm16Bytes(pcm.samples);
  return Buffer.concat([wavHeader(pcm.sampleRate, data.length), data]);
}

/**
 * The whole output of a WavStreamEncoder as a complete file: the RIFF and data sizes of its
 * unknown-length header set to the exact sizes (what `stream: false` answers carry).
 */
export function withExactWavSizes(stream: Buffer): Buffer {
  if (
    stream.length < WAV_HEADER_BYTES ||
    stream.toString('latin1', 0, 4) !== 'RIFF' ||
    stream.toString('latin1', 36, 40) !== 'data'
  ) {
    throw new Error('not the output of WavStreamEncoder (no 44-byte RIFF header)');
  }
  const file = Buffer.from(stream);
  file.writeUInt32LE(file.length - 8, 4);
  file.writeUInt32LE(file.length - WAV_HEADER_BYTES, 40);
  return file;
}

/**
 * withExactWavSizes for the output kept as the encoder's pieces: only the first piece (which
 * holds the header) is copied, so a long answer is never copied whole.
 */
export function withExactWavSizesInPieces(pieces: readonly Buffer[]): Buffer[] {
  const first = pieces[0];
  if (first === undefined || first.length < WAV_HEADER_BYTES) {
    return [withExactWavSizes(Buffer.concat(pieces))];
  }
  const total = pieces.reduce((bytes, piece) => bytes + piece.length, 0);
  const head = withExactWavSizes(first);
  head.writeUInt32LE(total - 8, 4);
  head.writeUInt32LE(total - WAV_HEADER_BYTES, 40);
  return [head, ...pieces.slice(1)];
}

/** Streaming WAV: the first returned buffer starts with an unknown-length header. */
export class WavStreamEncoder implements StreamingAudioEncoder {
  private headerSent = false;

  constructor(private readonly sampleRate: number) {}

  push(samples: Float32Array): Buffer {
    const data = floatToPcm16Bytes(samples);
    return Buffer.concat([this.takeHeader(), data]);
  }

  end(): Buffer {
    return this.takeHeader();
  }

  private takeHeader(): Buffer {
    if (this.headerSent) return Buffer.alloc(0);
    this.headerSent = true;
    return wavHeader(this.sampleRate);
  }
}
