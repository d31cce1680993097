import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumberTransformer } from './bigint-number.transformer.js';

/**
 * A stored object that may exist without a row needing it: written before an upload's objects
 * (cleared with the row insert) and before a delete (cleared once the object is gone). The
 * background cleanup deletes what is due and not referenced by any row.
 */
@Entity({ name: 'blob_deletion' })
export class BlobDeletionEntity {
  @PrimaryColumn({ name: 'storage_key', type: 'varchar', length: 255 })
  storageKey!: string;

  /** Unix milliseconds. */
  @Column({ name: 'requested_at', type: 'bigint', transformer: bigintNumberTransformer })
  requestedAt!: number;

  /** Unix milliseconds from which the background cleanup may try it (again). */
  @Column({ name: 'due_at', type: 'bigint', transformer: bigintNumberTransformer })
  dueAt!: number;

  /** Tries by the background cleanup; 0 while the entry only guards an upload in progress. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}
