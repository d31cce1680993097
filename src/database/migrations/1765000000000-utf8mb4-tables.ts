import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['reference_audio', 'blob_deletion'];

/**
 * MySQL/MariaDB tables created by the first migration took the database's default character
 * set, which on a latin1 server refuses every Chinese transcript ("Incorrect string value").
 * This converts them (and their text columns) to utf8mb4, so the service works whatever the
 * database's default is. SQLite stores UTF-8 anyway.
 */
export class Utf8mb4Tables1765000000000 implements MigrationInterface {
  name = 'Utf8mb4Tables1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'mysql') {
      return;
    }
    for (const table of TABLES) {
      await queryRunner.query(
        `ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    }
  }

  async down(): Promise<void> {
    // Converting back could lose characters; the tables stay utf8mb4.
  }
}
