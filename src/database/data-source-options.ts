import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { DATABASE_MIGRATIONS } from './migrations/index.js';

/**
 * TypeORM settings for the configured database: an embedded SQLite file (better-sqlite3) or
 * MySQL/MariaDB (mysql2). The schema comes only from the hand-written migrations, run at boot.
 */
export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const schema = {
    migrations: DATABASE_MIGRATIONS,
    migrationsRun: true,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  } as const;
  if (config.type === 'sqlite') {
    return {
      ...schema,
      type: 'better-sqlite3',
      database: config.path,
      enableWAL: true,
      timeout: 5000,
    };
  }
  return {
    ...schema,
    type: 'mysql',
    url: config.url,
    charset: 'utf8mb4',
  };
}
