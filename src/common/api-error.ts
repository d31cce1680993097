import { HttpStatus } from '@nestjs/common';
import { withoutServerPaths } from './server-paths.js';

/** Machine-readable error codes of the common error shape `{code, message, request_id}`. */
export type ApiErrorCode =
  | 'InvalidParameter'
  | 'InvalidAudio'
  | 'Unauthorized'
  | 'NotFound'
  | 'Conflict'
  | 'PayloadTooLarge'
  | 'UriTooLong'
  | 'UnsupportedMediaType'
  | 'ModelNotLoaded'
  | 'ServerBusy'
  | 'ServiceUnavailable'
  | 'InsufficientStorage'
  | 'DatabaseUnavailable'
  | 'StorageUnavailable'
  | 'TooManyRequests'
  | 'SynthesisFailed'
  | 'EngineFailed'
  | 'InternalError';

/** Seconds a client is asked to wait when the model pack is not loaded. */
export const MODEL_NOT_LOADED_RETRY_AFTER_SECONDS = 30;

/** An error that reaches the client as-is: HTTP status, code and message. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: HttpStatus,
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After for 503. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static invalidParameter(message: string): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, 'InvalidParameter', message);
  }

  static notFound(message: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'NotFound', message);
  }

  /**
   * 500 SynthesisFailed for an engine or encoder failure. The message never carries the error
   * itself (it may name files, graphs or internals); the caller logs it with the request id.
   */
  static synthesisFailed(): ApiError {
    return new ApiError(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'SynthesisFailed',
      'synthesis failed: internal error (the service log has the details)',
    );
  }

  /**
   * 503 ModelNotLoaded with Retry-After; `reason` says why (missing file, ...) and how to fix it,
   * with server paths reduced to file names (the log has the whole path).
   */
  static modelNotLoaded(reason: string | undefined): ApiError {
    const message = `the CosyVoice2 model is not loaded${reason ? `: ${withoutServerPaths(reason)}` : ''}`;
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'ModelNotLoaded', message, {
      'Retry-After': String(MODEL_NOT_LOADED_RETRY_AFTER_SECONDS),
    });
  }

  /** 500 EngineFailed: the inference worker running the request died (it is being replaced). */
  static engineFailed(message: string): ApiError {
    return new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, 'EngineFailed', message);
  }
}

/** The body of every error response. */
export interface ErrorBody {
  code: string;
  message: string;
  request_id: string;
}
