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
   * Removes what writes interrupted before `startedBefore` (Unix ms) left behind, such as the
   * temporary files of a killed process; returns how many were removed.
   */
  removeInterruptedWrites(startedBefore: number): Promise<number>;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';

  constructor(readonly key: string) {
    super(`no stored object with key ${key}`);
  }
}
