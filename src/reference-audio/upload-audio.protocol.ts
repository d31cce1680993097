import type { DecodeAudioOptions } from '../audio/audio-decoder.js';
import type { DecodedAudio } from '../audio/audio.types.js';
import type { NoiseStatistics, SoundProblem } from '../audio/noise-detector.js';

/** What the upload-audio thread gets: the uploaded bytes (a copy) and how to decode them. */
export interface UploadAudioJob {
  bytes: Uint8Array;
  options: DecodeAudioOptions;
}

/** A decode error as it crosses the thread boundary (its class is rebuilt on the main thread). */
export interface UploadAudioFailure {
  name: 'AudioDecodeError' | 'AudioTooLongError' | 'Error';
  message: string;
  durationSeconds?: number;
  atLeast?: boolean;
  maxSeconds?: number;
}

/** The decoded audio and what its samples are, or the failure; the samples are transferred. */
export type UploadAudioResult =
  | {
      ok: true;
      audio: DecodedAudio;
      sound: SoundProblem | undefined;
      /** Measured for raw PCM only (random bytes read as samples). */
      noise: NoiseStatistics | undefined;
    }
  | { ok: false; failure: UploadAudioFailure };
