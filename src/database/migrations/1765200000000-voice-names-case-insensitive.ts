import { MigrationInterface, QueryRunner } from 'typeorm';

const NAME_LENGTH = 64;
const ID_SUFFIX_LENGTH = 8;

/**
 * Voice names are case-insensitive on every database: stored in lower case, unique whatever the
 * case. MySQL/MariaDB already compared them so (the utf8mb4_unicode_ci collation); SQLite's
 * unique index did not, so `Narrator` and `narrator` could both be stored there and `Narrator`
 * found nothing. This lower-cases every stored name and, on SQLite, rebuilds the unique index
 * with `COLLATE NOCASE`. Should two names differ only in case (possible on SQLite only), the
 * oldest voice keeps the name and each other one is renamed `<name>-<first 8 characters of its
 * id>`: no voice is lost, each still has a unique name.
 */
export class VoiceNamesCaseInsensitive1765200000000 implements MigrationInterface {
  name = 'VoiceNamesCaseInsensitive1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type !== 'mysql';
    if (sqlite) {
      await queryRunner.query('DROP INDEX "UQ_reference_audio_name"');
      await renameCaseDuplicates(queryRunner);
    }
    await queryRunner.query('UPDATE reference_audio SET name = LOWER(name) WHERE name IS NOT NULL');
    if (sqlite) {
      await queryRunner.query(
        'CREATE UNIQUE INDEX "UQ_reference_audio_name" ON "reference_audio" ("name" COLLATE NOCASE)',
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'mysql') {
      return;
    }
    await queryRunner.query('DROP INDEX "UQ_reference_audio_name"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_reference_audio_name" ON "reference_audio" ("name")',
    );
  }
}

/** Every voice but the oldest of each group of names equal but for case gets a unique name. */
async function renameCaseDuplicates(queryRunner: QueryRunner): Promise<void> {
  const rows = (await queryRunner.query(
    'SELECT id, name FROM reference_audio WHERE name IS NOT NULL ' + 'ORDER BY created_at_ms, id',
  )) as { id: string; name: string }[];
  const seen = new Set<string>();
  for (const row of rows) {
    const key = row.name.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    const renamed = `${key.slice(0, NAME_LENGTH - ID_SUFFIX_LENGTH - 1)}-${row.id.slice(0, ID_SUFFIX_LENGTH)}`;
    seen.add(renamed);
    await queryRunner.query('UPDATE reference_audio SET name = ? WHERE id = ?', [renamed, row.id]);
  }
}
