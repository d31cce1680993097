import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import type { PcmAudio } from './audio.types.js';
import { decodeInChunks } from './chunked-wasm.decode.js';
import { MAX_WAV_SAMPLE_RATE, MIN_WAV_SAMPLE_RATE } from './wav.decoder.js';

/** What a FLAC file's STREAMINFO block declares. */
interface FlacStreamInfo {
  sampleRate: number;
  /** 0 when the encoder did not know it (a stream): the length is then found while decoding. */
  totalSamples: number;
  /** The longest block (frame) of the file, in samples. */
  maxBlockSize: number;
}

/** STREAMINFO, which the format requires as the first metadata block right after `fLaC`. */
function readStreamInfo(bytes: Buffer): FlacStreamInfo {
  if (bytes.length < 42 || (bytes[4] & 0x7f) !== 0 || bytes.readUIntBE(5, 3) !== 34) {
    throw new AudioDecodeError('not a usable FLAC file: no STREAMINFO block after "fLaC"');
  }
  const sampleRate = (bytes.readUInt16BE(18) << 4) | (bytes[20] >> 4);
  const totalSamples = (bytes[21] & 0x0f) * 2 ** 32 + bytes.readUInt32BE(22);
  return { sampleRate, totalSamples, maxBlockSize: bytes.readUInt16BE(10) };
}

/**
 * Decodes a FLAC file (`@wasm-audio-decoders/flac`, libFLAC in WebAssembly) to mono. Length rule
 * before decoding: a declared total sample count over `maxSeconds` is refused at once; a stream
 * that declares 0 (unknown) is measured while decoding and stopped at the limit. A file that
 * decodes to fewer samples than it declares was cut short and is refused; the decoder leaves out
 * a file's last frame when it is shorter than the others (at most one block, ≤ 4096 samples with
 * common encoders), which is tolerated.
 */
export async function decodeFlac(bytes: Buffer, maxSeconds: number): Promise<PcmAudio> {
  const info = readStreamInfo(bytes);
  if (info.sampleRate < MIN_WAV_SAMPLE_RATE || info.sampleRate > MAX_WAV_SAMPLE_RATE) {
    throw new AudioDecodeError(
      `unsupported FLAC sample rate ${info.sampleRate} Hz (supported: ${MIN_WAV_SAMPLE_RATE}–${MAX_WAV_SAMPLE_RATE} Hz)`,
    );
  }
  if (info.totalSamples / info.sampleRate > maxSeconds) {
    throw new AudioTooLongError(info.totalSamples / info.sampleRate, false, maxSeconds);
  }
  const audio = await decodeInChunks(new FLACDecoder(), bytes, 'FLAC', maxSeconds);
  if (info.totalSamples > 0 && audio.samples.length + info.maxBlockSize < info.totalSamples) {
    throw new AudioDecodeError(
      `the FLAC file is cut short: it declares ${info.totalSamples} samples but holds ${audio.samples.length}`,
    );
  }
  return audio;
}
