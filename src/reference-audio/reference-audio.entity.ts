import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { InputAudioFormat } from '../audio/audio.types.js';
import { bigintNumberTransformer } from './bigint-number.transformer.js';

/** One stored reference voice: its metadata row; the bytes live in blob storage. */
@Entity({ name: 'reference_audio' })
export class ReferenceAudioEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The client's file name, checked (no path components, no control characters). */
  @Column({ type: 'varchar', length: 255 })
  filename!: string;

  /** Size of the uploaded file in bytes. */
  @Column({ type: 'bigint', transformer: bigintNumberTransformer })
  bytes!: number;

  /** Upload time, Unix seconds. */
  @Column({ name: 'created_at', type: 'bigint', transformer: bigintNumberTransformer })
  createdAt!: number;

  /** Upload time, Unix milliseconds (orders uploads made within the same second). */
  @Column({ name: 'created_at_ms', type: 'bigint', transformer: bigintNumberTransformer })
  createdAtMs!: number;

  /** Optional unique human-readable name (see VOICE_NAME_PATTERN); null when none was given. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  name!: string | null;

  /** Transcript of the audio. */
  @Column({ type: 'text' })
  text!: string;

  @Column({ type: 'varchar', length: 8 })
  format!: InputAudioFormat;

  /** Sample rate of the decoded audio in Hz (for raw PCM: the rate given at upload). */
  @Column({ name: 'sample_rate', type: 'int' })
  sampleRate!: number;

  /** Seconds. */
  @Column({ type: 'double' })
  duration!: number;

  /** Blob storage key of the original bytes. */
  @Column({ name: 'storage_key', type: 'varchar', length: 255 })
  storageKey!: string;

  /** Blob storage key of the encoded voice features; null until they are computed. */
  @Column({ name: 'features_key', type: 'varchar', length: 255, nullable: true })
  featuresKey!: string | null;
}
