import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { BLOB_STORAGE, BlobStorage } from '../storage/blob-storage.js';
import { BlobDeletionRepository } from './blob-deletion.repository.js';
import { ReferenceAudioRepository } from './reference-audio.repository.js';

/** How often queued deletions are retried. */
export const BLOB_CLEANUP_INTERVAL_MS = 30_000;
const SWEEP_BATCH = 100;

/**
 * Deletes stored objects that no row needs any more. A deletion that fails is kept in the
 * `blob_deletion` queue and retried in the background until the storage accepts it; an object
 * that a row still points at is never deleted.
 */
@Injectable()
export class BlobCleanupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BlobCleanupService.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly deletions: BlobDeletionRepository,
    private readonly rows: ReferenceAudioRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), BLOB_CLEANUP_INTERVAL_MS);
    this.timer.unref();
    void this.sweep();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Records the intent to delete these objects before the row that points at them goes. */
  async enqueue(storageKeys: string[]): Promise<void> {
    await this.deletions.enqueue(storageKeys);
  }

  /** Deletes the objects now; any that fails is queued for a retry (never thrown). */
  async removeNow(storageKeys: string[]): Promise<void> {
    await Promise.all(storageKeys.map((key) => this.removeOne(key)));
  }

  /** Retries every queued deletion once; runs one at a time. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepQueue().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepQueue(): Promise<void> {
    try {
      for (const { storageKey } of await this.deletions.pending(SWEEP_BATCH)) {
        if (await this.rows.referencesKey(storageKey)) {
          await this.deletions.remove(storageKey);
        } else {
          await this.removeOne(storageKey);
        }
      }
    } catch (error) {
      this.logger.warn(`retrying queued storage deletions failed: ${describe(error)}`);
    }
  }

  private async removeOne(storageKey: string): Promise<void> {
    try {
      await this.storage.delete(storageKey);
      await this.deletions.remove(storageKey);
    } catch (error) {
      this.logger.warn(
        `deleting stored object ${storageKey} failed, will retry: ${describe(error)}`,
      );
      await this.queueRetry(storageKey, describe(error));
    }
  }

  private async queueRetry(storageKey: string, reason: string): Promise<void> {
    try {
      await this.deletions.enqueue([storageKey]);
      await this.deletions.recordFailure(storageKey, reason);
    } catch (error) {
      this.logger.error(
        `could not queue the deletion of stored object ${storageKey}; it stays orphaned: ${describe(error)}`,
      );
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
