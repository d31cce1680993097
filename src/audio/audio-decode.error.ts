/**
 * The bytes of an upload are not audio this service can read (unknown format, corrupt or
 * truncated file, unsupported encoding). The message is meant for the API client; the HTTP
 * layer maps this error to 400 `InvalidAudio`.
 */
export class AudioDecodeError extends Error {
  override readonly name = 'AudioDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
