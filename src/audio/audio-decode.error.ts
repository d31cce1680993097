/**
 * The bytes of an upload are not audio this service can read (unknown format, corrupt or
 * truncated file, unsupported encoding). The message is meant for the API client; the HTTP
 * layer maps this error to 400 `InvalidAudio`.
 */
export class AudioDecodeError extends Error {
  override name = 'AudioDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The audio is longer than the caller's limit, found out before (or while) decoding it, so a
 * small file that holds hours of audio never gets decoded whole.
 */
export class AudioTooLongError extends AudioDecodeError {
  override name = 'AudioTooLongError';

  constructor(
    /** The length found so far: the whole length, or at least this much when `atLeast`. */
    readonly durationSeconds: number,
    readonly atLeast: boolean,
    readonly maxSeconds: number,
  ) {
    super(
      `the audio is ${atLeast ? 'over ' : ''}${durationSeconds.toFixed(2)} s long, more than the ${maxSeconds} s allowed`,
    );
  }
}
