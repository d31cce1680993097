import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Piscina } from 'piscina';
import { AudioDecodeError, AudioTooLongError } from '../audio/audio-decode.error.js';
import type { DecodeAudioOptions } from '../audio/audio-decoder.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { poolWorkerScript } from '../inference/worker/worker-script.js';
import type {
  UploadAudioFailure,
  UploadAudioJob,
  UploadAudioResult,
} from './upload-audio.protocol.js';

/** A decoded upload with the measures of its samples. */
export type AnalysedUploadAudio = Extract<UploadAudioResult, { ok: true }>;

/** How long a decoding thread with nothing to do stays before it ends (and its memory with it). */
const IDLE_THREAD_MS = 60_000;

/**
 * How much lower the decoding threads' CPU priority is than the main thread's (Linux `nice`), so
 * a burst of uploads slows itself rather than the requests the main thread answers.
 */
const NICE_INCREMENT = 10;

/**
 * Decodes uploads (`decodeAudio`, whole) and measures their samples in a pool of worker threads
 * (piscina, `upload-audio.worker.ts`), so a large or hostile file never stalls the event loop. At
 * most MAX_CONCURRENT_UPLOADS threads, started when needed and ended after a minute idle; a
 * thread keeps its compiled decoders (WebAssembly) between uploads, which a thread per upload
 * compiled again each time. A copy of the bytes is moved to the thread (the caller still stores
 * them); the samples come back moved too. A thread that dies (a decoder out of memory) fails
 * only its upload and is replaced.
 */
@Injectable()
export class UploadAudioDecoder implements OnModuleDestroy {
  private readonly pool: Piscina<UploadAudioJob, UploadAudioResult>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new Piscina({
      ...poolWorkerScript('upload-audio.worker', import.meta.url),
      minThreads: 0,
      maxThreads: Math.max(1, config.inputLimits.maxConcurrentUploads),
      idleTimeout: IDLE_THREAD_MS,
      niceIncrement: NICE_INCREMENT,
    });
  }

  /** @throws AudioDecodeError / AudioTooLongError as decodeAudio does */
  async decode(bytes: Buffer, options: DecodeAudioOptions): Promise<AnalysedUploadAudio> {
    // A copy of its own, moved to the thread rather than serialised (which stalls for large files).
    const copy = new Uint8Array(bytes);
    const result = await this.pool.run({ bytes: copy, options }, { transferList: [copy.buffer] });
    if (!result.ok) {
      throw errorOf(result.failure);
    }
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
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
