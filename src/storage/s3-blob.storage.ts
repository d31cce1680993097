import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import type { StorageConfig } from '../config/app-config.js';
import { BlobNotFoundError, BlobStorage, StorageUnavailableError } from './blob-storage.js';
import { assertValidStorageKey } from './storage-key.js';

export type S3StorageConfig = Extract<StorageConfig, { driver: 's3' }>;

/** How long to wait for a connection to the S3 service, and for one request's answer. */
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Objects in one bucket of an S3-compatible service (AWS S3, MinIO, Alibaba OSS). A service that
 * cannot be reached, does not answer in time or refuses a request gives StorageUnavailableError
 * (logged with its cause), except that a missing object is BlobNotFoundError.
 */
export class S3BlobStorage implements BlobStorage {
  private readonly logger = new Logger(S3BlobStorage.name);
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: S3StorageConfig) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      // The SDK's default extra CRC checksums are not understood by every S3-compatible
      // service (e.g. Alibaba OSS); send and check them only where the S3 API requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
      },
      credentials:
        config.accessKeyId && config.secretAccessKey
          ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
          : undefined,
    });
  }

  async put(key: string, data: Buffer): Promise<void> {
    assertValidStorageKey(key);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ContentLength: data.length,
          ContentType: 'application/octet-stream',
        }),
      );
    } catch (error) {
      throw this.unavailable('put', key, error);
    }
  }

  async get(key: string): Promise<Buffer> {
    assertValidStorageKey(key);
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      if (!object.Body) {
        throw new BlobNotFoundError(key);
      }
      return Buffer.from(await object.Body.transformToByteArray());
    } catch (error) {
      if (error instanceof BlobNotFoundError || isNotFound(error)) {
        throw new BlobNotFoundError(key);
      }
      throw this.unavailable('get', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidStorageKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (!isNotFound(error)) {
        throw this.unavailable('delete', key, error);
      }
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidStorageKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        return false;
      }
      throw this.unavailable('exists', key, error);
    }
  }

  /** A PutObject is atomic: an interrupted one leaves nothing behind. */
  removeInterruptedWrites(): Promise<number> {
    return Promise.resolve(0);
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  close(): void {
    this.client.destroy();
  }

  private unavailable(operation: string, key: string, error: unknown): StorageUnavailableError {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.logger.warn(`S3 ${operation} of ${key} in bucket ${this.bucket} failed: ${reason}`);
    return new StorageUnavailableError(key, { cause: error });
  }
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' ||
      error.name === 'NotFound' ||
      error.$metadata.httpStatusCode === 404)
  );
}
