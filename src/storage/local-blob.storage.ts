import { randomBytes } from 'node:crypto';
import {
  access,
  constants,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  statfs,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BlobNotFoundError, BlobStorage, StorageFullError } from './blob-storage.js';
import { assertValidStorageKey } from './storage-key.js';

const TEMP_SUFFIX = '.partial';
const PING_BYTES = Buffer.alloc(4096, 0x2a);

/** Objects as files in one directory; writes go to a temporary file that is renamed into place. */
export class LocalBlobStorage implements BlobStorage {
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    const temp = `${target}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    await mkdir(this.dir, { recursive: true });
    try {
      await writeFile(temp, data, { flush: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw isOutOfSpace(error) ? new StorageFullError(key, { cause: error }) : error;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissingFile(error)) {
        throw new BlobNotFoundError(key);
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (!isMissingFile(error)) {
        throw error;
      }
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key), constants.F_OK);
      return true;
    } catch (error) {
      if (isMissingFile(error)) {
        return false;
      }
      throw error;
    }
  }

  async freeBytes(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const stats = await statfs(this.dir);
    return stats.bavail * stats.bsize;
  }

  /** Writes, reads back and removes a small file, so a full disk fails the check. */
  async ping(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const probe = join(this.dir, `.ping-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    try {
      await writeFile(probe, PING_BYTES);
      if (!(await readFile(probe)).equals(PING_BYTES)) {
        throw new Error(`the storage directory does not read back what was written`);
      }
    } catch (error) {
      throw isOutOfSpace(error)
        ? new StorageFullError('a readiness probe', { cause: error })
        : error;
    } finally {
      await rm(probe, { force: true });
    }
  }

  async removeInterruptedWrites(startedBefore: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isMissingFile(error)) {
        return 0;
      }
      throw error;
    }
    let removed = 0;
    for (const name of names.filter((entry) => entry.endsWith(TEMP_SUFFIX))) {
      const path = join(this.dir, name);
      const modified = await stat(path).then(
        (found) => found.mtimeMs,
        () => undefined,
      );
      if (modified !== undefined && modified < startedBefore) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    assertValidStorageKey(key);
    return join(this.dir, key);
  }
}

function isOutOfSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
