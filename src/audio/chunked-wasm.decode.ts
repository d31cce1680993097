import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import type { PcmAudio } from './audio.types.js';
import { toMono } from './to-mono.js';

/** Bytes fed to a decoder at a time; the length limit is checked after each chunk. */
const FEED_BYTES = 16 * 1024;

/** What one call of a wasm-audio-decoders decoder returns. */
export interface WasmDecodedAudio {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string }[];
}

/** The streaming interface shared by the wasm-audio-decoders family (FLAC, Ogg Opus, Vorbis). */
export interface WasmChunkDecoder {
  ready: Promise<void>;
  decode(data: Uint8Array): WasmDecodedAudio | Promise<WasmDecodedAudio>;
  flush(): Promise<WasmDecodedAudio>;
  free(): void;
}

/**
 * Decodes `input` with `decoder`: a file in small chunks, or the given packets one by one, channels averaged to mono and clamped to
 * [-1, 1]; stops with AudioTooLongError as soon as more than `maxSeconds` came out, so time and
 * memory stay bounded by the limit whatever the file claims. A decoder error (a damaged or cut
 * frame) or no audio at all is an AudioDecodeError naming `what`. Frees the decoder.
 */
export async function decodeInChunks(
  decoder: WasmChunkDecoder,
  input: Uint8Array | readonly Uint8Array[],
  what: string,
  maxSeconds: number,
): Promise<PcmAudio> {
  try {
    await decoder.ready;
    const pieces: Float32Array[] = [];
    let length = 0;
    let sampleRate = 0;
    const take = (decoded: WasmDecodedAudio): void => {
      if (decoded.errors.length > 0) {
        throw new AudioDecodeError(
          `the ${what} data is damaged or cut short (${decoded.errors[0].message})`,
        );
      }
      if (decoded.samplesDecoded === 0) return;
      sampleRate = decoded.sampleRate;
      pieces.push(toMono(decoded.channelData, decoded.samplesDecoded));
      length += decoded.samplesDecoded;
      if (length / sampleRate > maxSeconds) {
        throw new AudioTooLongError(length / sampleRate, true, maxSeconds);
      }
    };
    for (const chunk of Array.isArray(input) ? input : chunksOf(input as Uint8Array)) {
      take(await decoder.decode(chunk));
    }
    take(await decoder.flush());
    if (length === 0) {
      throw new AudioDecodeError(`the ${what} data could not be decoded: no audio found`);
    }
    const samples = new Float32Array(length);
    let at = 0;
    for (const piece of pieces) {
      samples.set(piece, at);
      at += piece.length;
    }
    return { samples, sampleRate };
  } catch (error) {
    if (error instanceof AudioDecodeError) throw error;
    throw new AudioDecodeError(`the ${what} data could not be decoded (${String(error)})`, {
      cause: error,
    });
  } finally {
    decoder.free();
  }
}

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += FEED_BYTES) {
    yield bytes.subarray(offset, offset + FEED_BYTES);
  }
}
