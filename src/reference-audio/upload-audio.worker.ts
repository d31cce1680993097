import { move, transferableSymbol, valueSymbol } from 'piscina';
import { AudioDecodeError, AudioTooLongError } from '../audio/audio-decode.error.js';
import { decodeAudio } from '../audio/audio-decoder.js';
import { noiseStatistics, soundProblem } from '../audio/noise-detector.js';
import type {
  UploadAudioFailure,
  UploadAudioJob,
  UploadAudioResult,
} from './upload-audio.protocol.js';

/**
 * The task of a decoding thread (UploadAudioDecoder's pool): decodes one upload and measures its
 * samples (silence, DC, square wave, white noise), so none of that CPU work runs on the main
 * thread. The samples are moved back, not copied.
 */
export default async function decodeUpload(job: UploadAudioJob): Promise<UploadAudioResult> {
  const result = await run(job);
  if (!result.ok) return result;
  return move({
    [transferableSymbol]: result.audio.samples.buffer,
    [valueSymbol]: result,
  }) as unknown as UploadAudioResult;
}

async function run(job: UploadAudioJob): Promise<UploadAudioResult> {
  try {
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    const audio = await decodeAudio(bytes, job.options);
    return {
      ok: true,
      audio,
      sound: soundProblem(audio.samples),
      noise: audio.format === 'pcm' ? noiseStatistics(audio.samples) : undefined,
    };
  } catch (error) {
    return { ok: false, failure: failureOf(error) };
  }
}

function failureOf(error: unknown): UploadAudioFailure {
  if (error instanceof AudioTooLongError) {
    const { message, durationSeconds, atLeast, maxSeconds } = error;
    return { name: 'AudioTooLongError', message, durationSeconds, atLeast, maxSeconds };
  }
  if (error instanceof AudioDecodeError) {
    return { name: 'AudioDecodeError', message: error.message };
  }
  return { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}
