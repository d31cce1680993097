import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { DATABASE_MIGRATIONS } from './migrations/index.js';
import { TimedOutConnectionSubscriber } from './timed-out-connection.subscriber.js';

/**
 * TypeORM settings for the configured database: an embedded SQLite file (better-sqlite3) or
 * MySQL/MariaDB (mysql2) with connection and query timeouts (DB_CONNECT_TIMEOUT_MS,
 * DB_QUERY_TIMEOUT_MS). The schema comes only from the hand-written migrations, run at boot.
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
    connectTimeout: config.connectTimeoutMs,
    // mysql2's per-query timeout: a query without an answer by then fails (and its connection
    // is dropped from the pool), so a hung database cannot hold requests.
    enableQueryTimeout: true,
    maxQueryExecutionTime: config.queryTimeoutMs,
    subscribers: [TimedOutConnectionSubscriber],
  };
}
