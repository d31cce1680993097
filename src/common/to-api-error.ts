import { HttpException, HttpStatus } from '@nestjs/common';
import {
  DATABASE_RETRY_AFTER_SECONDS,
  isDatabaseUnavailable,
} from '../database/database-unavailable.js';
import {
  EngineFailedError,
  EngineUnavailableError,
  InputRejectedError,
  ModelNotLoadedError,
} from '../inference/inference.provider.js';
import { StorageUnavailableError } from '../storage/blob-storage.js';
import { ApiError, ApiErrorCode } from './api-error.js';

/** Seconds a client is asked to wait when the blob storage cannot be used. */
const STORAGE_RETRY_AFTER_SECONDS = 5;

const CODE_BY_STATUS: Record<number, ApiErrorCode | string> = {
  400: 'InvalidParameter',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

/** The answer to a failure nobody foresaw (a defect); the caller logs the failure itself. */
export const INTERNAL_ERROR_MESSAGE = 'internal server error';

/**
 * The one mapping from a failure to the code and message a client sees, used by every transport
 * (REST and SSE answers, WebSocket task-failed), so the same failure reads the same everywhere:
 * - an ApiError as it is;
 * - the engine's ModelNotLoadedError (503 ModelNotLoaded), InputRejectedError (400
 *   InvalidParameter with its reason), EngineFailedError (500 EngineFailed: its worker or engine
 *   node died) and EngineUnavailableError (503 ServerBusy, Retry-After: no engine node can take it);
 * - a database that cannot be reached or does not answer (503 DatabaseUnavailable, Retry-After);
 * - a blob storage that cannot be used (503 StorageUnavailable, Retry-After);
 * - a Nest HttpException or a Fastify 4xx error with its status and message;
 * - anything else: 500 InternalError without its internals (see `isUnexpected`).
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  if (error instanceof ModelNotLoadedError) {
    return ApiError.modelNotLoaded(error.message);
  }
  if (error instanceof InputRejectedError) {
    return ApiError.invalidParameter(error.message);
  }
  if (error instanceof EngineFailedError) {
    return ApiError.engineFailed(error.message);
  }
  if (error instanceof EngineUnavailableError) {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'ServerBusy', error.message, {
      'Retry-After': String(error.retryAfterSeconds),
    });
  }
  if (isDatabaseUnavailable(error)) {
    return new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'DatabaseUnavailable',
      'the database is unavailable or does not answer; retry later',
      { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    );
  }
  if (error instanceof StorageUnavailableError) {
    return new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'StorageUnavailable',
      'the audio storage is unavailable or does not answer; nothing was changed, retry later',
      { 'Retry-After': String(STORAGE_RETRY_AFTER_SECONDS) },
    );
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'InternalError' : 'InvalidParameter');
    return new ApiError(status, code as ApiErrorCode, httpExceptionMessage(error));
  }
  const fastifyStatus = fastifyErrorStatus(error);
  if (fastifyStatus !== undefined) {
    const code = CODE_BY_STATUS[fastifyStatus] ?? 'InvalidParameter';
    return new ApiError(fastifyStatus, code as ApiErrorCode, (error as Error).message);
  }
  return new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, 'InternalError', INTERNAL_ERROR_MESSAGE);
}

/** True for failures `toApiError` hides behind InternalError: those are worth a log line. */
export function isUnexpected(error: unknown): boolean {
  return toApiError(error).code === 'InternalError' && !(error instanceof ApiError);
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return typeof message === 'string' ? message : exception.message;
}

/** Errors raised by Fastify itself (bad JSON, ...) carry a 4xx statusCode. */
function fastifyErrorStatus(exception: unknown): number | undefined {
  if (!(exception instanceof Error)) {
    return undefined;
  }
  const statusCode = (exception as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500
    ? statusCode
    : undefined;
}
