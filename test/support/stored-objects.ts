import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import type { TestApp } from './test-app.js';

/** Every object (file) in the app's blob storage, sorted; temporary files included. */
export async function listStoredKeys(app: Pick<TestApp, 'config'>): Promise<string[]> {
  const storage = app.config.storage;
  if (storage.driver === 'local') {
    try {
      return (await readdir(storage.dir)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return [];
      }
      throw error;
    }
  }
  const client = new S3Client({
    endpoint: storage.endpoint,
    region: storage.region,
    forcePathStyle: storage.forcePathStyle,
    credentials: {
      accessKeyId: storage.accessKeyId ?? '',
      secretAccessKey: storage.secretAccessKey ?? '',
    },
  });
  try {
    const listing = await client.send(new ListObjectsV2Command({ Bucket: storage.bucket }));
    return (listing.Contents ?? []).map((object) => object.Key ?? '').sort();
  } finally {
    client.destroy();
  }
}
