import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BlobDeletionEntity } from './blob-deletion.entity.js';

/** The persistent queue of stored objects that still have to be deleted. */
@Injectable()
export class BlobDeletionRepository {
  constructor(
    @InjectRepository(BlobDeletionEntity)
    private readonly rows: Repository<BlobDeletionEntity>,
  ) {}

  /** Adds the keys; keys already queued stay as they are. */
  async enqueue(storageKeys: string[]): Promise<void> {
    if (storageKeys.length === 0) {
      return;
    }
    const requestedAt = Date.now();
    await this.rows
      .createQueryBuilder()
      .insert()
      .values(storageKeys.map((storageKey) => ({ storageKey, requestedAt, attempts: 0 })))
      .orIgnore()
      .execute();
  }

  /** The oldest requests first. */
  pending(limit: number): Promise<BlobDeletionEntity[]> {
    return this.rows.find({ order: { requestedAt: 'ASC' }, take: limit });
  }

  async remove(storageKey: string): Promise<void> {
    await this.rows.delete({ storageKey });
  }

  async recordFailure(storageKey: string, error: string): Promise<void> {
    await this.rows.increment({ storageKey }, 'attempts', 1);
    await this.rows.update({ storageKey }, { lastError: error.slice(0, 2000) });
  }
}
