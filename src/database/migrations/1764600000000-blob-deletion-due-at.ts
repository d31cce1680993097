import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * `blob_deletion.due_at`: when the background cleanup may next try an entry (Unix ms). Entries
 * written before an upload's objects are due only once the upload should long have finished;
 * a failed attempt moves its entry back, so the entries the storage refuses never hold up others.
 */
export class BlobDeletionDueAt1764600000000 implements MigrationInterface {
  name = 'BlobDeletionDueAt1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'blob_deletion',
      new TableColumn({ name: 'due_at', type: 'bigint', default: 0 }),
    );
    await queryRunner.createIndex(
      'blob_deletion',
      new TableIndex({ name: 'IDX_blob_deletion_due_at', columnNames: ['due_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('blob_deletion', 'IDX_blob_deletion_due_at');
    await queryRunner.dropColumn('blob_deletion', 'due_at');
  }
}
