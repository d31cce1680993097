import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageFullError } from '../../../src/storage/blob-storage.js';
import { LocalBlobStorage } from '../../../src/storage/local-blob.storage.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, writeFile: vi.fn(real.writeFile) };
});

function noSpaceLeft(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

describe('LocalBlobStorage on a full disk', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-blob-full-'));
  });

  afterEach(async () => {
    vi.mocked(writeFile).mockReset();
    await rm(dir, { recursive: true, force: true });
  });

  it('put fails with StorageFullError and leaves no temporary file', async () => {
    const storage = new LocalBlobStorage(dir);
    vi.mocked(writeFile).mockRejectedValueOnce(noSpaceLeft());
    const attempt = storage.put('voice.wav', Buffer.alloc(10));
    await expect(attempt).rejects.toBeInstanceOf(StorageFullError);
    await expect(attempt).rejects.toThrow('no space left to store voice.wav');
    expect(await readdir(dir)).toEqual([]);
  });

  it('ping fails while writes fail (so /ready reports the storage), and passes again after', async () => {
    const storage = new LocalBlobStorage(dir);
    await expect(storage.ping()).resolves.toBeUndefined();
    vi.mocked(writeFile).mockRejectedValueOnce(noSpaceLeft());
    await expect(storage.ping()).rejects.toBeInstanceOf(StorageFullError);
    await expect(storage.ping()).resolves.toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });
});
