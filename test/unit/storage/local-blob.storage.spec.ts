import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStorage } from '../../../src/storage/local-blob.storage.js';
import { behavesLikeBlobStorage } from './blob-storage.contract.js';

describe('LocalBlobStorage', () => {
  let root: string;
  let storage: LocalBlobStorage;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'local-blob-'));
    storage = new LocalBlobStorage(join(root, 'nested', 'audio'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  behavesLikeBlobStorage(() => storage);

  it('creates its directory on first write and leaves no temporary files behind', async () => {
    const key = `${randomUUID()}.wav`;
    await storage.put(key, Buffer.from('RIFF'));
    expect(await readdir(join(root, 'nested', 'audio'))).toEqual([key]);
    await storage.delete(key);
    expect(await readdir(join(root, 'nested', 'audio'))).toEqual([]);
  });

  it('never writes outside its directory, whatever the key', async () => {
    await expect(storage.put('../outside', Buffer.from('x'))).rejects.toThrow(
      /invalid storage key/,
    );
    expect(await readdir(join(root, 'nested'))).toEqual(['audio']);
  });

  it('fails a ping when the directory cannot be created', async () => {
    const blocker = join(root, 'a-file');
    await writeFile(blocker, 'not a directory');
    await expect(new LocalBlobStorage(join(blocker, 'audio')).ping()).rejects.toThrow();
  });

  it('leaves no partial object when a write fails', async () => {
    const dir = join(root, 'failing');
    const key = `${randomUUID()}.wav`;
    // A directory in the object's place makes the final rename fail.
    await mkdir(join(dir, key), { recursive: true });
    await expect(new LocalBlobStorage(dir).put(key, Buffer.from('x'))).rejects.toThrow();
    expect(await readdir(dir)).toEqual([key]);
  });
});
