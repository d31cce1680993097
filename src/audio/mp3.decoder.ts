import { MPEGDecoder } from 'mpg123-decoder';
import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import { PcmAudio } from './audio.types.js';

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
      const decoded = decoder.decode(bytes.subarray(offset, offset + FEED_BYTES));
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

/** Channels averaged to one, clamped to [-1, 1] (MPEG decoding can overshoot full scale). */
function toMono(channelData: Float32Array[], length: number): Float32Array {
  const channels = channelData.filter((channel) => channel.length > 0);
  const samples = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i++) samples[i] += channel[i] / channels.length;
  }
  for (let i = 0; i < length; i++) samples[i] = Math.max(-1, Math.min(1, samples[i]));
  return samples;
}
