const STORAGE_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const MAX_KEY_LENGTH = 200;

export class InvalidStorageKeyError extends Error {
  override readonly name = 'InvalidStorageKeyError';
}

/**
 * Keys are flat names made by the service (e.g. `<uuid>.wav`): letters, digits, `_`, `-` and
 * single dots between them. Anything else (slashes, `..`, control characters) is refused, so no
 * key can leave the storage directory or bucket prefix.
 */
export function assertValidStorageKey(key: string): void {
  if (key.length > MAX_KEY_LENGTH || !STORAGE_KEY.test(key)) {
    throw new InvalidStorageKeyError(`invalid storage key ${JSON.stringify(key)}`);
  }
}
