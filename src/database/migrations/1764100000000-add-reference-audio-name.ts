import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * The optional, unique human-readable name of a reference voice (usable as the OpenAI `voice`).
 * Both SQLite and MySQL/MariaDB let a unique index hold any number of NULLs, so voices without a
 * name never conflict.
 */
export class AddReferenceAudioName1764100000000 implements MigrationInterface {
  name = 'AddReferenceAudioName1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'reference_audio',
      new TableColumn({ name: 'name', type: 'varchar', length: '64', isNullable: true }),
    );
    await queryRunner.createIndex(
      'reference_audio',
      new TableIndex({ name: 'UQ_reference_audio_name', columnNames: ['name'], isUnique: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('reference_audio', 'UQ_reference_audio_name');
    await queryRunner.dropColumn('reference_audio', 'name');
  }
}
