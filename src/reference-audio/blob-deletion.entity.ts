import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumberTransformer } from './bigint-number.transformer.js';

/** A stored object whose deletion has not been confirmed yet; retried in the background. */
@Entity({ name: 'blob_deletion' })
export class BlobDeletionEntity {
  @PrimaryColumn({ name: 'storage_key', type: 'varchar', length: 255 })
  storageKey!: string;

  /** Unix milliseconds. */
  @Column({ name: 'requested_at', type: 'bigint', transformer: bigintNumberTransformer })
  requestedAt!: number;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}
