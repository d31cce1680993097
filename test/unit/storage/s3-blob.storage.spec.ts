import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStorage } from '../../../src/storage/s3-blob.storage.js';
import { startS3TestServer, S3TestServer } from '../../support/s3-test-server.js';
import { behavesLikeBlobStorage } from './blob-storage.contract.js';

describe('S3BlobStorage against s3rver over HTTP', () => {
  let server: S3TestServer;
  let storage: S3BlobStorage;

  beforeAll(async () => {
    server = await startS3TestServer('cosyvoice-unit');
    storage = new S3BlobStorage({
      driver: 's3',
      endpoint: server.endpoint,
      region: 'us-east-1',
      bucket: server.bucket,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    });
  });

  afterAll(async () => {
    storage?.close();
    await server?.close();
  });

  behavesLikeBlobStorage(() => storage);

  it('fails a ping for a bucket that does not exist', async () => {
    const missing = new S3BlobStorage({
      driver: 's3',
      endpoint: server.endpoint,
      region: 'us-east-1',
      bucket: 'no-such-bucket',
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    });
    await expect(missing.ping()).rejects.toThrow();
    missing.close();
  });

  it('fails a ping when the server is unreachable', async () => {
    const unreachable = new S3BlobStorage({
      driver: 's3',
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      bucket: server.bucket,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    });
    await expect(unreachable.ping()).rejects.toThrow();
    unreachable.close();
  });
});
