import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { BlobNotFoundError, BlobStorage } from '../../../src/storage/blob-storage.js';
import { InvalidStorageKeyError } from '../../../src/storage/storage-key.js';

/** The behaviour every BlobStorage driver must show; called inside a driver's describe(). */
export function behavesLikeBlobStorage(storage: () => BlobStorage): void {
  it('stores, reads back byte for byte, and deletes an object', async () => {
    const key = `${randomUUID()}.wav`;
    const data = randomBytes(300_000);
    await storage().put(key, data);
    expect(await storage().exists(key)).toBe(true);
    expect((await storage().get(key)).equals(data)).toBe(true);
    await storage().delete(key);
    expect(await storage().exists(key)).toBe(false);
    await expect(storage().get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('replaces an object written twice under the same key', async () => {
    const key = `${randomUUID()}.features`;
    await storage().put(key, Buffer.from('first version'));
    await storage().put(key, Buffer.from('second'));
    expect((await storage().get(key)).toString()).toBe('second');
    await storage().delete(key);
  });

  it('treats deleting a missing object as success', async () => {
    await expect(storage().delete(`${randomUUID()}.wav`)).resolves.toBeUndefined();
  });

  it('reports a missing object as not found', async () => {
    const key = `${randomUUID()}.wav`;
    expect(await storage().exists(key)).toBe(false);
    await expect(storage().get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('refuses keys that could escape the store', async () => {
    for (const key of ['../escape', 'a/b', '..', '.hidden', 'x\u0000y', '', 'a..b', 'a\\b']) {
      await expect(storage().put(key, Buffer.from('x')), key).rejects.toBeInstanceOf(
        InvalidStorageKeyError,
      );
      await expect(storage().get(key), key).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage().delete(key), key).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
  });

  it('keeps concurrent writes of different keys apart', async () => {
    const objects = Array.from({ length: 12 }, () => ({
      key: `${randomUUID()}.wav`,
      data: randomBytes(20_000),
    }));
    await Promise.all(objects.map(({ key, data }) => storage().put(key, data)));
    const read = await Promise.all(objects.map(({ key }) => storage().get(key)));
    read.forEach((data, i) => expect(data.equals(objects[i].data)).toBe(true));
    await Promise.all(objects.map(({ key }) => storage().delete(key)));
  });

  it('answers a ping', async () => {
    await expect(storage().ping()).resolves.toBeUndefined();
  });
}
