import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { BlobDeletionEntity } from './blob-deletion.entity.js';
import type { ReferenceAudioOrder } from './dto/list-reference-audio.query.dto.js';
import { ReferenceAudioEntity } from './reference-audio.entity.js';

/** All database access for reference voices. */
@Injectable()
export class ReferenceAudioRepository {
  constructor(
    @InjectRepository(ReferenceAudioEntity)
    private readonly rows: Repository<ReferenceAudioEntity>,
  ) {}

  /**
   * Inserts the row and, in the same transaction, drops the queue entries that guarded its
   * objects while they were written. Throws UnfinishedUploadExpiredError (and inserts nothing)
   * when the background cleanup has already taken one of those entries.
   */
  async insertClaimingObjects(row: ReferenceAudioEntity, storageKeys: string[]): Promise<void> {
    await this.rows.manager.transaction(async (manager) => {
      await claimGuardedKeys(manager, storageKeys);
      await manager.insert(ReferenceAudioEntity, row);
    });
  }

  findById(id: string): Promise<ReferenceAudioEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** `name` as stored: in lower case (see voiceNameKey). */
  findByName(name: string): Promise<ReferenceAudioEntity | null> {
    return this.rows.findOneBy({ name });
  }

  /** Newest or oldest first by upload time; uploads of the same millisecond by id. */
  list(limit: number, order: ReferenceAudioOrder): Promise<ReferenceAudioEntity[]> {
    return this.rows.find({
      order: { createdAt: order, createdAtMs: order, id: order },
      take: limit,
    });
  }

  /** True when this call removed the row (false: it was already gone). */
  async deleteById(id: string): Promise<boolean> {
    const result = await this.rows.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Points the row at `featuresKey` and drops that key's guard entry, in one transaction. False
   * (and nothing changed) when the row is gone.
   */
  async setFeaturesKeyClaimingObject(id: string, featuresKey: string): Promise<boolean> {
    return this.rows.manager.transaction(async (manager) => {
      const result = await manager.update(ReferenceAudioEntity, { id }, { featuresKey });
      if ((result.affected ?? 0) === 0) {
        return false;
      }
      await claimGuardedKeys(manager, [featuresKey]);
      return true;
    });
  }

  /** Whether any row points at this storage key (as its audio or its features). */
  referencesKey(storageKey: string): Promise<boolean> {
    return this.rows.exists({ where: [{ storageKey }, { featuresKey: storageKey }] });
  }
}

/** The background cleanup took a guarded object before the upload that wrote it could finish. */
export class UnfinishedUploadExpiredError extends Error {
  override readonly name = 'UnfinishedUploadExpiredError';
}

/** Drops the untried guard entries of these keys; throws when one of them is no longer there. */
async function claimGuardedKeys(manager: EntityManager, storageKeys: string[]): Promise<void> {
  const claimed = await manager.delete(BlobDeletionEntity, {
    storageKey: In(storageKeys),
    attempts: 0,
  });
  if ((claimed.affected ?? 0) !== storageKeys.length) {
    throw new UnfinishedUploadExpiredError(
      `the stored objects ${storageKeys.join(', ')} were given up for cleanup before the upload finished`,
    );
  }
}
