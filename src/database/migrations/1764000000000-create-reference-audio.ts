import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The reference voices and the queue of stored objects still to be deleted. Written with
 * TypeORM's schema API so one migration serves SQLite and MySQL/MariaDB.
 */
export class CreateReferenceAudio1764000000000 implements MigrationInterface {
  name = 'CreateReferenceAudio1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'reference_audio',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'filename', type: 'varchar', length: '255' },
          { name: 'bytes', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
          { name: 'created_at_ms', type: 'bigint' },
          { name: 'text', type: 'text' },
          { name: 'format', type: 'varchar', length: '8' },
          { name: 'sample_rate', type: 'int' },
          { name: 'duration', type: 'double' },
          { name: 'storage_key', type: 'varchar', length: '255' },
          { name: 'features_key', type: 'varchar', length: '255', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'reference_audio',
      new TableIndex({
        name: 'IDX_reference_audio_created_at',
        columnNames: ['created_at', 'created_at_ms'],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'blob_deletion',
        columns: [
          { name: 'storage_key', type: 'varchar', length: '255', isPrimary: true },
          { name: 'requested_at', type: 'bigint' },
          { name: 'attempts', type: 'int', default: 0 },
          { name: 'last_error', type: 'text', isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('blob_deletion');
    await queryRunner.dropIndex('reference_audio', 'IDX_reference_audio_created_at');
    await queryRunner.dropTable('reference_audio');
  }
}
