import { Logger } from '@nestjs/common';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';

/** How long a booting replica waits for another one's migrations before it gives up. */
export const MIGRATION_LOCK_TIMEOUT_SECONDS = 120;

/**
 * Initialises `dataSource`, which runs the pending migrations (`migrationsRun`). TypeORM takes no
 * lock for that, so replicas booting at once against one MySQL/MariaDB database would all see the
 * same pending migrations and all but one fail on "table already exists". A named lock
 * (`GET_LOCK`, scoped to the database name and held on its own connection for the duration) lets
 * one replica migrate while the others wait, then find nothing left to run. SQLite serves one
 * process and needs no lock.
 */
export async function initializeDataSource(
  dataSource: DataSource,
  config: DatabaseConfig,
): Promise<DataSource> {
  if (config.type !== 'mysql') {
    return dataSource.initialize();
  }
  await ensureDatabaseExists(config.url);
  const connection = await createConnection(config.url);
  try {
    const lock = `cosyvoice-migrations:${connection.config.database ?? ''}`.slice(0, 64);
    const [[row]] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [
      lock,
      MIGRATION_LOCK_TIMEOUT_SECONDS,
    ]);
    if (Number(row.acquired) !== 1) {
      throw new Error(
        `another replica held the migration lock ${lock} for ${MIGRATION_LOCK_TIMEOUT_SECONDS} s`,
      );
    }
    await warnOfNonUtf8Default(connection);
    return await dataSource.initialize();
  } finally {
    await connection.end();
  }
}

/**
 * Creates the database of DATABASE_URL (utf8mb4) when it does not exist and the user may; when
 * the user may not, fails the boot with a message that says how to create it.
 */
async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) {
    throw new Error('DATABASE_URL names no database (mysql://user:pass@host:3306/<database>)');
  }
  const server = new URL(url);
  server.pathname = '/';
  const connection = await createConnection(server.toString());
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    if (rows.length > 0) {
      return;
    }
    try {
      await connection.query(
        `CREATE DATABASE IF NOT EXISTS \`${name.replaceAll('`', '``')}\` ` +
          'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
      );
      new Logger('Database').log(`created the database ${name} (utf8mb4)`);
    } catch (error) {
      throw new Error(
        `the database ${name} of DATABASE_URL does not exist and its user may not create it ` +
          `(${(error as { code?: string }).code ?? String(error)}); create it first: ` +
          `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        { cause: error },
      );
    }
  } finally {
    await connection.end();
  }
}

/** The tables are utf8mb4 whatever the default; a different default is worth a warning only. */
async function warnOfNonUtf8Default(connection: Connection): Promise<void> {
  const [[row]] = await connection.query<RowDataPacket[]>(
    'SELECT @@character_set_database AS charset, DATABASE() AS name',
  );
  if (row.charset !== 'utf8mb4') {
    new Logger('Database').warn(
      `the database ${String(row.name)} defaults to ${String(row.charset)}; the service's ` +
        'tables are utf8mb4 (they are converted at boot), but other tables in it are not',
    );
  }
}
