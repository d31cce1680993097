import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { ReferenceAudioOrder } from './dto/list-reference-audio.query.dto.js';
import { ReferenceAudioEntity } from './reference-audio.entity.js';

/** All database access for reference voices. */
@Injectable()
export class ReferenceAudioRepository {
  constructor(
    @InjectRepository(ReferenceAudioEntity)
    private readonly rows: Repository<ReferenceAudioEntity>,
  ) {}

  async insert(row: ReferenceAudioEntity): Promise<void> {
    await this.rows.insert(row);
  }

  findById(id: string): Promise<ReferenceAudioEntity | null> {
    return this.rows.findOneBy({ id });
  }

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

  /** True when the row still exists and now points at `featuresKey`. */
  async setFeaturesKey(id: string, featuresKey: string): Promise<boolean> {
    const result = await this.rows.update({ id }, { featuresKey });
    return (result.affected ?? 0) > 0;
  }

  /** Whether any row points at this storage key (as its audio or its features). */
  referencesKey(storageKey: string): Promise<boolean> {
    return this.rows.exists({ where: [{ storageKey }, { featuresKey: storageKey }] });
  }
}
