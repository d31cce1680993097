import { AudioDecodeError, AudioTooLongError } from '../audio/audio-decode.error.js';
import type { DecodeAudioOptions } from '../audio/audio-decoder.js';
import { startWorkerScript } from '../inference/worker/worker-script.js';
import type {
  UploadAudioFailure,
  UploadAudioJob,
  UploadAudioResult,
} from './upload-audio.protocol.js';

/** A decoded upload with the measures of its samples. */
export type AnalysedUploadAudio = Extract<UploadAudioResult, { ok: true }>;

/**
 * Decodes an upload (`decodeAudio`, whole) and measures its samples in a thread of its own
 * (`upload-audio.worker.ts`), so a large or hostile file never stalls the event loop; the thread
 * ends with its answer, and its memory with it. A copy of the bytes is moved to the thread (the
 * caller still stores them); the samples come back moved too.
 *
 * @throws AudioDecodeError / AudioTooLongError as decodeAudio does
 */
export async function decodeUploadOffThread(
  bytes: Buffer,
  options: DecodeAudioOptions,
): Promise<AnalysedUploadAudio> {
  // A copy of its own, moved to the thread rather than serialised (which stalls for large files).
  const copy = new Uint8Array(bytes);
  const job: UploadAudioJob = { bytes: copy, options };
  const worker = startWorkerScript(
    'upload-audio.worker',
    job,
    { transferList: [copy.buffer] },
    import.meta.url,
  );
  try {
    const result = await new Promise<UploadAudioResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => {
        reject(new Error(`the audio decoding thread ended early (exit code ${code})`));
      });
    });
    if (!result.ok) {
      throw errorOf(result.failure);
    }
    return result;
  } finally {
    void worker.terminate();
  }
}

function errorOf(failure: UploadAudioFailure): Error {
  switch (failure.name) {
    case 'AudioTooLongError':
      return new AudioTooLongError(
        failure.durationSeconds ?? 0,
        failure.atLeast ?? false,
        failure.maxSeconds ?? 0,
      );
    case 'AudioDecodeError':
      return new AudioDecodeError(failure.message);
    case 'Error':
      return new Error(failure.message);
  }
}
