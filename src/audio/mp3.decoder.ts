import { MPEGDecoder } from 'mpg123-decoder';
import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import { PcmAudio } from './audio.types.js';
import { toMono } from './to-mono.js';

/** Bytes fed to the decoder at a time; the length limit is checked after each chunk. */
const FEED_BYTES = 16 * 1024;

/**
 * Decodes an MP3 file (CBR or VBR, any MPEG rate, mono or stereo averaged to mono) with
 * libmpg123 compiled to WebAssembly (`mpg123-decoder`). The bytes are fed in small chunks and
 * decoding stops with AudioTooLongError as soon as more than `maxSeconds` came out, so time and
 * memory stay bounded by the limit, not by what the file claims or holds.
 */
export async function decodeMp3(
  bytes: Uint8Array,
  maxSeconds = Number.POSITIVE_INFINITY,
): Promise<PcmAudio> {
  const decoder = new MPEGDecoder();
  try {
    await decoder.ready;
    const mono: Float32Array[] = [];
    let length = 0;
    let sampleRate = 0;
    let firstError: string | undefined;
    for (let offset = 0; offset < bytes.length; offset += FEED_BYTES) {
      const decoded = decodeQuietly(decoder, bytes.subarray(offset, offset + FEED_BYTES));
      firstError ??= decoded.errors[0]?.message;
      if (decoded.samplesDecoded === 0) continue;
      sampleRate = decoded.sampleRate;
      mono.push(toMono(decoded.channelData, decoded.samplesDecoded));
      length += decoded.samplesDecoded;
      if (length / sampleRate > maxSeconds) {
        throw new AudioTooLongError(length / sampleRate, true, maxSeconds);
      }
    }
    if (length === 0) {
      throw new AudioDecodeError(
        `MP3 data could not be decoded${firstError ? ` (${firstError})` : ''}: no audio frames found`,
      );
    }
    const samples = new Float32Array(length);
    let at = 0;
    for (const piece of mono) {
      samples.set(piece, at);
      at += piece.length;
    }
    return { samples, sampleRate };
  } finally {
    decoder.free();
  }
}

/**
 * `decode` also prints every libmpg123 error of a damaged frame with console.error; it returns the
 * same errors in `errors`, which the caller reports, so those lines are dropped. The call is
 * synchronous: nothing else can log while console.error is replaced.
 */
function decodeQuietly(decoder: MPEGDecoder, bytes: Uint8Array): ReturnType<MPEGDecoder['decode']> {
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('mpg123-decoder: ')) return;
    consoleError(...args);
  };
  try {
    return decoder.decode(bytes);
  } finally {
    console.error = consoleError;
  }
}
