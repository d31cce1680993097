import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { dataSourceOptions } from '../../../src/database/data-source-options.js';
import { initializeDataSource } from '../../../src/database/initialize-data-source.js';
import { DATABASE_MIGRATIONS } from '../../../src/database/migrations/index.js';
import {
  DEFAULT_TEST_DATABASE_URL,
  IsolatedDatabase,
  isolatedDatabase,
} from '../../support/test-app.js';

const REPLICAS = 4;

/**
 * Several replicas (docker compose --scale, or behind a load balancer) starting together against
 * one new database: each initialises its DataSource the way DatabaseModule does at boot.
 */
describe('replicas booting at once against one empty MySQL/MariaDB database', () => {
  let tempDir: string;
  let database: IsolatedDatabase;
  const dataSources: DataSource[] = [];

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-migrations-race-'));
    const testDatabase = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
    database = await isolatedDatabase(
      testDatabase.startsWith('sqlite:') ? DEFAULT_TEST_DATABASE_URL : testDatabase,
      tempDir,
    );
  });

  afterAll(async () => {
    await Promise.all(
      dataSources.filter((d) => d.isInitialized).map((dataSource) => dataSource.destroy()),
    );
    await database?.drop();
    await rm(tempDir, { recursive: true, force: true });
  });

  it('all boot, and the schema is migrated exactly once', async () => {
    const config = loadConfig({ DATABASE_URL: database.url }).database;
    for (let i = 0; i < REPLICAS; i++) {
      dataSources.push(new DataSource(dataSourceOptions(config)));
    }
    const results = await Promise.allSettled(
      dataSources.map((dataSource) => initializeDataSource(dataSource, config)),
    );
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(await dataSources[0].query('SELECT name FROM schema_migrations ORDER BY id')).toEqual(
      DATABASE_MIGRATIONS.map((migration) => ({ name: migration.name })),
    );
    for (const dataSource of dataSources) {
      expect(await dataSource.showMigrations()).toBe(false);
    }
  });
});
