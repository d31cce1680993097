import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { BlobDeletionEntity } from './blob-deletion.entity.js';

/** The persistent queue of stored objects that may exist without a row needing them. */
@Injectable()
export class BlobDeletionRepository {
  constructor(
    @InjectRepository(BlobDeletionEntity)
    private readonly rows: Repository<BlobDeletionEntity>,
  ) {}

  /** Adds the keys, due at `dueAt` (Unix ms); keys already queued stay as they are. */
  async enqueue(storageKeys: string[], dueAt: number): Promise<void> {
    if (storageKeys.length === 0) {
      return;
    }
    const requestedAt = Date.now();
    await this.rows
      .createQueryBuilder()
      .insert()
      .values(storageKeys.map((storageKey) => ({ storageKey, requestedAt, dueAt, attempts: 0 })))
      .orIgnore()
      .execute();
  }

  /** Entries due at `now`, the longest due first. */
  due(limit: number, now: number): Promise<BlobDeletionEntity[]> {
    return this.rows.find({
      where: { dueAt: LessThanOrEqual(now) },
      order: { dueAt: 'ASC' },
      take: limit,
    });
  }

  /**
   * Takes a due entry for one attempt: counts the attempt and makes it due again at `retryAt`
   * (so a crash or failure mid-attempt leaves it queued). False when it is no longer due (another
   * replica took it, or an upload claimed it).
   */
  async lease(storageKey: string, now: number, retryAt: number): Promise<boolean> {
    const result = await this.rows
      .createQueryBuilder()
      .update()
      .set({ attempts: () => 'attempts + 1', dueAt: retryAt })
      .where({ storageKey, dueAt: LessThanOrEqual(now) })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async remove(storageKey: string): Promise<void> {
    await this.rows.delete({ storageKey });
  }

  /** Records why an attempt failed; the entry is tried again from `retryAt`. */
  async recordFailure(storageKey: string, error: string, retryAt: number): Promise<void> {
    await this.rows.update({ storageKey }, { lastError: error.slice(0, 2000), dueAt: retryAt });
  }

  count(): Promise<number> {
    return this.rows.count();
  }
}
