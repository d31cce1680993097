import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, BlobStorage } from './blob-storage.js';
import { LocalBlobStorage } from './local-blob.storage.js';
import { S3BlobStorage } from './s3-blob.storage.js';

/** Provides BLOB_STORAGE: the local directory driver or the S3 driver, as configured. */
@Module({
  providers: [
    {
      provide: BLOB_STORAGE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): BlobStorage =>
        config.storage.driver === 's3'
          ? new S3BlobStorage(config.storage)
          : new LocalBlobStorage(config.storage.dir),
    },
  ],
  exports: [BLOB_STORAGE],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(BLOB_STORAGE) private readonly storage: BlobStorage) {}

  onApplicationShutdown(): void {
    if (this.storage instanceof S3BlobStorage) {
      this.storage.close();
    }
  }
}
