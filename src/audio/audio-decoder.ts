import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import { DecodedAudio, InputAudioFormat, PcmAudio } from './audio.types.js';
import { decodeFlac } from './flac.decoder.js';
import { detectInputFormat } from './input-format.detector.js';
import { scanMp3Frames } from './mp3-frame-scan.js';
import { decodeMp3 } from './mp3.decoder.js';
import { decodeOgg } from './ogg.decoder.js';
import { decodeWebmOpus } from './webm-opus.decoder.js';
import { pcm16BytesToFloat } from './sample-conversion.js';
import { decodeWav, MAX_WAV_SAMPLE_RATE, MIN_WAV_SAMPLE_RATE } from './wav.decoder.js';

export interface DecodeAudioOptions {
  /** Sample rate of raw PCM input in Hz (default 16000); WAV and MP3 carry their own. */
  pcmSampleRate?: number;
  /**
   * Audio longer than this is refused with AudioTooLongError before it is decoded (WAV, PCM:
   * from the size; MP3: from the frame headers; FLAC: from STREAMINFO's sample count unless it
   * is 0; Ogg: from the last granule position; WebM: from its Duration when it has one), and
   * decoding of MP3, FLAC, Ogg and WebM stops at the limit.
   */
  maxSeconds?: number;
  /** The container the file claims to be (from its name); bytes of another kind are refused. */
  claimedFormat?: InputAudioFormat;
}

export const DEFAULT_PCM_SAMPLE_RATE = 16000;

/**
 * Frame headers also count the encoder's delay and padding (and a Xing/Info frame), which the
 * decoder trims: up to about 0.3 s at 8 kHz. An MP3 is refused from its headers only when they
 * hold this much more than the limit; anything closer is decoded and measured exactly.
 */
export const MP3_SCAN_MARGIN_SECONDS = 0.5;

const CONTAINER_NAMES: Record<InputAudioFormat, string> = {
  wav: 'a WAV file (no RIFF/WAVE header)',
  mp3: 'an MP3 file (no ID3 tag or MPEG audio frame header)',
  pcm: 'raw PCM',
  flac: 'a FLAC file (no fLaC header)',
  opus: 'an Ogg Opus file (no OggS page with OpusHead)',
  vorbis: 'an Ogg Vorbis file (no OggS page with a Vorbis header)',
  webm: 'a WebM file (no EBML header)',
};

/**
 * Decodes an uploaded audio file to mono float samples in [-1, 1] at the file's own rate.
 * The format is detected from the bytes (rules in `input-format.detector.ts`): WAV, MP3, FLAC,
 * Ogg Opus, Ogg Vorbis, WebM Opus, or raw 16-bit little-endian mono PCM at `pcmSampleRate`. Supported
 * rates: 8–48 kHz (Opus always decodes at 48 kHz).
 * MP3 data must be mostly MPEG audio frames (see `mp3-frame-scan.ts`).
 *
 * @throws AudioDecodeError with a message for the API client when the bytes are not usable audio.
 */
export async function decodeAudio(
  bytes: Buffer,
  options: DecodeAudioOptions = {},
): Promise<DecodedAudio> {
  const detection = detectInputFormat(bytes);
  if (detection.rejection !== undefined) throw new AudioDecodeError(detection.rejection);
  const { claimedFormat, maxSeconds = Number.POSITIVE_INFINITY } = options;
  if (claimedFormat !== undefined && claimedFormat !== detection.format) {
    throw new AudioDecodeError(
      `the file is named .${claimedFormat} but its bytes are not ${CONTAINER_NAMES[claimedFormat]}`,
    );
  }
  let audio: PcmAudio;
  switch (detection.format) {
    case 'wav':
      audio = decodeWav(bytes, maxSeconds);
      break;
    case 'mp3':
      checkMp3Frames(bytes, maxSeconds);
      audio = await decodeMp3(bytes, maxSeconds + MP3_SCAN_MARGIN_SECONDS);
      break;
    case 'pcm':
      audio = decodePcm(bytes, options.pcmSampleRate ?? DEFAULT_PCM_SAMPLE_RATE, maxSeconds);
      break;
    case 'flac':
      audio = await decodeFlac(bytes, maxSeconds);
      break;
    case 'opus':
    case 'vorbis':
      audio = await decodeOgg(bytes, detection.format, maxSeconds);
      break;
    case 'webm':
      audio = await decodeWebmOpus(bytes, maxSeconds);
      break;
  }
  return {
    ...audio,
    format: detection.format,
    duration: audio.samples.length / audio.sampleRate,
  };
}

/** Refuses MP3 data that is mostly not frames, or whose frames hold more than `maxSeconds`. */
function checkMp3Frames(bytes: Buffer, maxSeconds: number): void {
  const scan = scanMp3Frames(bytes);
  if (scan.frames === 0) {
    throw new AudioDecodeError('MP3 data could not be decoded: no MPEG audio frames found');
  }
  if (scan.frameBytes < scan.payloadBytes / 2) {
    const percent = Math.round((100 * scan.frameBytes) / scan.payloadBytes);
    throw new AudioDecodeError(
      `not a usable MP3 file: only ${percent}% of its bytes are MPEG audio frames`,
    );
  }
  if (scan.durationSeconds > maxSeconds + MP3_SCAN_MARGIN_SECONDS) {
    throw new AudioTooLongError(scan.durationSeconds, false, maxSeconds);
  }
}

function decodePcm(bytes: Buffer, sampleRate: number, maxSeconds: number): PcmAudio {
  if (
    !Number.isInteger(sampleRate) ||
    sampleRate < MIN_WAV_SAMPLE_RATE ||
    sampleRate > MAX_WAV_SAMPLE_RATE
  ) {
    throw new AudioDecodeError(
      `unsupported PCM sample rate ${sampleRate} Hz (supported: ${MIN_WAV_SAMPLE_RATE}–${MAX_WAV_SAMPLE_RATE} Hz)`,
    );
  }
  const seconds = bytes.length / 2 / sampleRate;
  if (seconds > maxSeconds) throw new AudioTooLongError(seconds, false, maxSeconds);
  return { samples: pcm16BytesToFloat(bytes), sampleRate };
}
