import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import type { PcmAudio } from './audio.types.js';
import { decodeInChunks } from './chunked-wasm.decode.js';
import { MAX_WAV_SAMPLE_RATE, MIN_WAV_SAMPLE_RATE } from './wav.decoder.js';

export type OggCodec = 'opus' | 'vorbis';

/** Fixed part of an Ogg page header (RFC 3533) before its segment table. */
const PAGE_HEADER_BYTES = 27;
const END_OF_STREAM = 0x04;
/** Ogg Opus granule positions count 48 kHz samples (RFC 7845). */
const OPUS_GRANULE_RATE = 48000;

/** The codec of an Ogg file, from the first packet of its first page; undefined if neither. */
export function oggCodecOf(bytes: Buffer): OggCodec | undefined {
  if (bytes.length < PAGE_HEADER_BYTES + 1) return undefined;
  const packet = PAGE_HEADER_BYTES + bytes[26];
  if (bytes.toString('latin1', packet, packet + 8) === 'OpusHead') return 'opus';
  if (bytes.toString('latin1', packet, packet + 7) === '\x01vorbis') return 'vorbis';
  return undefined;
}

/** The first page's first packet (the codec's identification header). */
function firstPacket(bytes: Buffer): Buffer {
  return bytes.subarray(PAGE_HEADER_BYTES + bytes[26]);
}

/** The header of the file's last Ogg page: its flags and granule position. */
function lastPage(bytes: Buffer): { endOfStream: boolean; granule: number } | undefined {
  const at = bytes.lastIndexOf('OggS', bytes.length - PAGE_HEADER_BYTES, 'latin1');
  if (at < 0) return undefined;
  return {
    endOfStream: (bytes[at + 5] & END_OF_STREAM) !== 0,
    granule: Number(bytes.readBigInt64LE(at + 6)),
  };
}

/**
 * Decodes Ogg Opus (`ogg-opus-decoder`, always 48 kHz) or Ogg Vorbis
 * (`@wasm-audio-decoders/ogg-vorbis`) to mono. Length rule before decoding: the last page's
 * granule position (minus Opus's pre-skip) is the length; over `maxSeconds` is refused at once.
 * A file whose last page lacks the end-of-stream flag was cut short and is refused. Decoding is
 * capped at the limit as well, so a granule position that lies cannot make it run longer.
 */
export async function decodeOgg(
  bytes: Buffer,
  codec: OggCodec,
  maxSeconds: number,
): Promise<PcmAudio> {
  const name = codec === 'opus' ? 'Ogg Opus' : 'Ogg Vorbis';
  const last = lastPage(bytes);
  if (!last?.endOfStream) {
    throw new AudioDecodeError(
      `the ${name} file is cut short: its last page does not end the stream`,
    );
  }
  const head = firstPacket(bytes);
  const declaredSeconds =
    codec === 'opus'
      ? (last.granule - head.readUInt16LE(10)) / OPUS_GRANULE_RATE
      : last.granule / head.readUInt32LE(12);
  if (codec === 'vorbis') {
    const rate = head.readUInt32LE(12);
    if (rate < MIN_WAV_SAMPLE_RATE || rate > MAX_WAV_SAMPLE_RATE) {
      throw new AudioDecodeError(
        `unsupported Vorbis sample rate ${rate} Hz (supported: ${MIN_WAV_SAMPLE_RATE}–${MAX_WAV_SAMPLE_RATE} Hz)`,
      );
    }
  }
  if (declaredSeconds > maxSeconds) {
    throw new AudioTooLongError(declaredSeconds, false, maxSeconds);
  }
  const decoder = codec === 'opus' ? new OggOpusDecoder() : new OggVorbisDecoder();
  return decodeInChunks(decoder, bytes, name, maxSeconds);
}
