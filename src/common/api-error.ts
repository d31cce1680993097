import { HttpStatus } from '@nestjs/common';
import { withoutServerPaths } from './server-paths.js';

/** Machine-readable error codes of the common error shape `{code, message, request_id}`. */
export type ApiErrorCode =
  | 'InvalidParameter'
  | 'InvalidAudio'
  | 'Unauthorized'
  | 'Forbidden'
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

/** What an ApiError carries besides its status, code and message. */
export interface ApiErrorDetails {
  /** The request field at fault, by the service's name for it (`speed`, `text`, `instruct`). */
  field?: string;
  /** Seconds the client should wait before it retries (the Retry-After header). */
  retryAfter?: number;
  /** Other response headers, e.g. `Connection: close`. */
  headers?: Record<string, string>;
}

/**
 * The service's error, as data: HTTP status, code, message, the field it concerns and
 * `retryAfter`. It reaches the client as-is; errors of other modules become one through
 * `registerApiErrorTranslator` (see `to-api-error.ts`).
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly field: string | undefined;
  readonly retryAfter: number | undefined;
  /** The response headers the error asks for, Retry-After included. */
  readonly headers: Record<string, string>;

  constructor(
    readonly status: HttpStatus,
    readonly code: ApiErrorCode,
    message: string,
    details: ApiErrorDetails = {},
  ) {
    super(message);
    this.field = details.field;
    this.retryAfter = details.retryAfter;
    this.headers = {
      ...details.headers,
      ...(details.retryAfter === undefined ? {} : { 'Retry-After': String(details.retryAfter) }),
    };
  }

  static invalidParameter(message: string, field?: string): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, 'InvalidParameter', message, { field });
  }

  static notFound(message: string, field?: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'NotFound', message, { field });
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
      retryAfter: MODEL_NOT_LOADED_RETRY_AFTER_SECONDS,
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
