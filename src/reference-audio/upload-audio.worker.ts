import { parentPort, workerData } from 'node:worker_threads';
import { AudioDecodeError, AudioTooLongError } from '../audio/audio-decode.error.js';
import { decodeAudio } from '../audio/audio-decoder.js';
import { noiseStatistics, soundProblem } from '../audio/noise-detector.js';
import type {
  UploadAudioFailure,
  UploadAudioJob,
  UploadAudioResult,
} from './upload-audio.protocol.js';

/**
 * The thread that decodes one upload and measures its samples (silence, DC, square wave, white
 * noise), so none of that CPU work runs on the main thread. It answers once and ends.
 */
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

const result = await run(workerData as UploadAudioJob);
parentPort?.postMessage(result, result.ok ? [result.audio.samples.buffer as ArrayBuffer] : []);
