import { AudioDecodeError } from './audio-decode.error.js';
import { DecodedAudio, PcmAudio } from './audio.types.js';
import { detectInputFormat } from './input-format.detector.js';
import { decodeMp3 } from './mp3.decoder.js';
import { pcm16BytesToFloat } from './sample-conversion.js';
import { decodeWav, MAX_WAV_SAMPLE_RATE, MIN_WAV_SAMPLE_RATE } from './wav.decoder.js';

export interface DecodeAudioOptions {
  /** Sample rate of raw PCM input in Hz (default 16000); WAV and MP3 carry their own. */
  pcmSampleRate?: number;
}

export const DEFAULT_PCM_SAMPLE_RATE = 16000;

/**
 * Decodes an uploaded audio file to mono float samples in [-1, 1] at the file's own rate.
 * The format is detected from the bytes (rules in `input-format.detector.ts`): WAV, MP3, or
 * raw 16-bit little-endian mono PCM at `pcmSampleRate`. Supported rates: 8–48 kHz.
 *
 * @throws AudioDecodeError with a message for the API client when the bytes are not usable audio.
 */
export async function decodeAudio(
  bytes: Buffer,
  options: DecodeAudioOptions = {},
): Promise<DecodedAudio> {
  const detection = detectInputFormat(bytes);
  if (detection.rejection !== undefined) throw new AudioDecodeError(detection.rejection);
  let audio: PcmAudio;
  switch (detection.format) {
    case 'wav':
      audio = decodeWav(bytes);
      break;
    case 'mp3':
      audio = await decodeMp3(bytes);
      break;
    case 'pcm': {
      const sampleRate = options.pcmSampleRate ?? DEFAULT_PCM_SAMPLE_RATE;
      if (
        !Number.isInteger(sampleRate) ||
        sampleRate < MIN_WAV_SAMPLE_RATE ||
        sampleRate > MAX_WAV_SAMPLE_RATE
      ) {
        throw new AudioDecodeError(
          `unsupported PCM sample rate ${sampleRate} Hz (supported: ${MIN_WAV_SAMPLE_RATE}–${MAX_WAV_SAMPLE_RATE} Hz)`,
        );
      }
      audio = { samples: pcm16BytesToFloat(bytes), sampleRate };
      break;
    }
  }
  return {
    ...audio,
    format: detection.format,
    duration: audio.samples.length / audio.sampleRate,
  };
}
