import { HttpStatus } from '@nestjs/common';
import { registerApiErrorTranslator } from '../common/api-error-translators.js';
import { ApiError } from '../common/api-error.js';

/** Injection token of the active BlobStorage driver. */
export const BLOB_STORAGE = Symbol('BLOB_STORAGE');

/**
 * Where the service keeps binary objects (uploaded audio, voice features). Keys are generated
 * by the service and checked with `assertValidStorageKey`; drivers never see client input.
 */
export interface BlobStorage {
  /** Stores `data` under `key`, replacing any previous object; readers never see a partial object. */
  put(key: string, data: Buffer): Promise<void>;
  /** The whole object; throws BlobNotFoundError when there is none. */
  get(key: string): Promise<Buffer>;
  /** Removes the object; succeeds when it does not exist. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Throws when the backend cannot be reached or written to. */
  ping(): Promise<void>;
  /**
   * Bytes the storage can still take, for drivers that can tell (a local directory: the free
   * space of its file system for this user); absent for S3, whose room is not measured.
   */
  freeBytes?(): Promise<number>;
  /**
   * Removes what writes interrupted before `startedBefore` (Unix ms) left behind, such as the
   * temporary files of a killed process; returns how many were removed.
   */
  removeInterruptedWrites(startedBefore: number): Promise<number>;
}

/** The storage has no room left (a full disk or quota): nothing was stored. */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';

  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`no space left to store ${key}`, options);
  }
}

/**
 * The storage could not be used (it cannot be reached, does not answer in time, or refuses the
 * request: an outage, wrong credentials, a missing bucket). Nothing was stored or read; the
 * operation may succeed later.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';

  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`the storage could not be used for ${key}`, options);
  }
}

/** Seconds a client is asked to wait when the blob storage cannot be used. */
const STORAGE_RETRY_AFTER_SECONDS = 5;

registerApiErrorTranslator((error) =>
  error instanceof StorageUnavailableError
    ? new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'StorageUnavailable',
        'the audio storage is unavailable or does not answer; nothing was changed, retry later',
        { retryAfter: STORAGE_RETRY_AFTER_SECONDS },
      )
    : undefined,
);

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';

  constructor(readonly key: string) {
    super(`no stored object with key ${key}`);
  }
}
