import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, BlobStorage } from '../storage/blob-storage.js';
import { BlobDeletionEntity } from './blob-deletion.entity.js';
import { BlobDeletionRepository } from './blob-deletion.repository.js';
import { ReferenceAudioRepository } from './reference-audio.repository.js';

/** How often the queue is swept, and how long a failed deletion waits before it is tried again. */
export const BLOB_CLEANUP_INTERVAL_MS = 30_000;
/** Entries read per query while a sweep drains the queue. */
export const SWEEP_BATCH = 100;
/** Deletions a sweep runs at once. */
const SWEEP_CONCURRENCY = 8;

/**
 * Keeps blob storage free of objects no row needs, across failures and crashes:
 *
 * - before an upload writes an object, `guardWrites` queues its key, due only after
 *   ORPHAN_GRACE_SECONDS; the row insert drops that entry in the same transaction, so a process
 *   killed in between leaves an entry, never an untracked object;
 * - before a row is deleted its keys are queued (due now), and `removeNow` deletes the objects
 *   at once, dropping each entry when its object is gone;
 * - a sweep at boot and every 30 s drains every due entry (batch after batch until none is left
 *   or the storage refuses a whole batch); an object a row points at is never deleted, and an
 *   entry that fails waits 30 s, so it never holds up the others. The sweep also removes the
 *   temporary files of interrupted writes older than the grace period.
 */
@Injectable()
export class BlobCleanupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BlobCleanupService.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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

  /** Before objects are written: queued, due once the write should long have been claimed. */
  async guardWrites(storageKeys: string[]): Promise<void> {
    await this.deletions.enqueue(storageKeys, Date.now() + this.config.orphanGraceMs);
  }

  /** Records the intent to delete these objects before the row that points at them goes. */
  async enqueue(storageKeys: string[]): Promise<void> {
    await this.deletions.enqueue(storageKeys, Date.now());
  }

  /**
   * Deletes queued objects now (their keys were queued by `guardWrites` or `enqueue`); any that
   * fails stays queued for a retry (never thrown).
   */
  async removeNow(storageKeys: string[]): Promise<void> {
    await Promise.all(storageKeys.map((key) => this.removeOne(key)));
  }

  /** Drains every due entry; runs one at a time. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepQueue().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepQueue(): Promise<void> {
    try {
      await this.storage.removeInterruptedWrites(Date.now() - this.config.orphanGraceMs);
      for (;;) {
        const now = Date.now();
        const batch = await this.deletions.due(SWEEP_BATCH, now);
        let done = 0;
        for (let i = 0; i < batch.length; i += SWEEP_CONCURRENCY) {
          const attempts = batch
            .slice(i, i + SWEEP_CONCURRENCY)
            .map((entry) => this.retry(entry, now));
          done += (await Promise.all(attempts)).filter(Boolean).length;
        }
        if (batch.length < SWEEP_BATCH || done === 0) {
          return;
        }
      }
    } catch (error) {
      this.logger.warn(`retrying queued storage deletions failed: ${describe(error)}`);
    }
  }

  /** One due entry: true when it is settled (deleted, claimed by a row, or taken by another). */
  private async retry(entry: BlobDeletionEntity, now: number): Promise<boolean> {
    const { storageKey } = entry;
    if (!(await this.deletions.lease(storageKey, now, now + BLOB_CLEANUP_INTERVAL_MS))) {
      return true;
    }
    if (await this.rows.referencesKey(storageKey)) {
      await this.deletions.remove(storageKey);
      return true;
    }
    return this.removeOne(storageKey);
  }

  /** True when the object is gone. */
  private async removeOne(storageKey: string): Promise<boolean> {
    try {
      await this.storage.delete(storageKey);
    } catch (error) {
      this.logger.warn(
        `deleting stored object ${storageKey} failed, will retry: ${describe(error)}`,
      );
      await this.recordFailure(storageKey, describe(error));
      return false;
    }
    try {
      await this.deletions.remove(storageKey);
    } catch (error) {
      this.logger.warn(
        `stored object ${storageKey} is deleted, but its queue entry could not be dropped ` +
          `(a later sweep drops it): ${describe(error)}`,
      );
    }
    return true;
  }

  private async recordFailure(storageKey: string, reason: string): Promise<void> {
    try {
      await this.deletions.recordFailure(storageKey, reason, Date.now() + BLOB_CLEANUP_INTERVAL_MS);
    } catch (error) {
      this.logger.error(
        `could not record the failed deletion of stored object ${storageKey}; its queue entry ` +
          `is retried as it was: ${describe(error)}`,
      );
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
