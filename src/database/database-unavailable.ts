import { HttpStatus } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ApiError } from '../common/api-error.js';

/** Retry-After of a 503 DatabaseUnavailable. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** SQLite's "the database file is locked by another writer for longer than the busy timeout". */
const SQLITE_UNAVAILABLE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/** MySQL server errors that mean "no connection for you right now", not a bad query. */
const MYSQL_UNAVAILABLE = new Set(['ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN']);

/**
 * Whether `error` says the database cannot be reached or does not answer in time (refused,
 * reset, lost or timed-out connection, query timeout, too many connections), as opposed to a
 * failed query. mysql2 marks every error that ends its connection `fatal`, whether it comes
 * from the pool (not wrapped) or from a query (wrapped in TypeORM's QueryFailedError); its own
 * protocol errors, the query timeout (`PROTOCOL_SEQUENCE_TIMEOUT`) included, start `PROTOCOL_`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  if (!(cause instanceof Error)) {
    return false;
  }
  const { code, fatal } = cause as { code?: unknown; fatal?: unknown };
  if (typeof code !== 'string') {
    return false;
  }
  return (
    (fatal === true && !code.startsWith('ER_')) ||
    code.startsWith('PROTOCOL_') ||
    MYSQL_UNAVAILABLE.has(code) ||
    SQLITE_UNAVAILABLE.has(code)
  );
}

/**
 * 503 DatabaseUnavailable with Retry-After for a database that cannot be reached; the errors are
 * TypeORM's and the drivers', so DatabaseModule registers this translator when it is set up.
 */
export function databaseUnavailableAsApiError(error: unknown): ApiError | undefined {
  return isDatabaseUnavailable(error)
    ? new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'DatabaseUnavailable',
        'the database is unavailable or does not answer; retry later',
        { retryAfter: DATABASE_RETRY_AFTER_SECONDS },
      )
    : undefined;
}
