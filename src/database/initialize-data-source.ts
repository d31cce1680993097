import { createConnection, type RowDataPacket } from 'mysql2/promise';
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
    return await dataSource.initialize();
  } finally {
    await connection.end();
  }
}
