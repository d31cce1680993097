import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../../src/config/load-config.js';
import { dataSourceOptions } from '../../../src/database/data-source-options.js';
import {
  DEFAULT_TEST_DATABASE_URL,
  IsolatedDatabase,
  isolatedDatabase,
} from '../../support/test-app.js';

const targets: [string, (tempDir: string) => Promise<IsolatedDatabase>][] = [
  [
    'SQLite (file in a directory that does not exist yet)',
    async (tempDir) => ({
      url: `sqlite:${join(tempDir, 'nested', 'dir', 'test.db')}`,
      drop: async () => undefined,
    }),
  ],
  [
    'MariaDB/MySQL',
    (tempDir) =>
      isolatedDatabase(
        (process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL).startsWith('sqlite:')
          ? DEFAULT_TEST_DATABASE_URL
          : (process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL),
        tempDir,
      ),
  ],
];

describe.each(targets)('migrations on %s', (_label, makeDatabase) => {
  let tempDir: string;
  let database: IsolatedDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-migrations-'));
    database = await makeDatabase(tempDir);
    dataSource = new DataSource(
      dataSourceOptions(loadConfig({ DATABASE_URL: database.url }).database),
    );
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
    await rm(tempDir, { recursive: true, force: true });
  });

  async function columns(table: string): Promise<Record<string, boolean>> {
    const runner = dataSource.createQueryRunner();
    try {
      const found = await runner.getTable(table);
      return Object.fromEntries((found?.columns ?? []).map((c) => [c.name, c.isNullable]));
    } finally {
      await runner.release();
    }
  }

  it('creates the schema at initialisation (migrationsRun), without synchronize', async () => {
    expect(dataSource.options.synchronize).toBe(false);
    expect(await columns('reference_audio')).toEqual({
      id: false,
      filename: false,
      bytes: false,
      created_at: false,
      created_at_ms: false,
      name: true,
      text: false,
      format: false,
      sample_rate: false,
      duration: false,
      storage_key: false,
      features_key: true,
    });
    expect(Object.keys(await columns('blob_deletion')).sort()).toEqual([
      'attempts',
      'due_at',
      'last_error',
      'requested_at',
      'storage_key',
    ]);
    const runner = dataSource.createQueryRunner();
    const table = await runner.getTable('reference_audio');
    await runner.release();
    expect(table?.indices.map((index) => index.columnNames)).toContainEqual([
      'created_at',
      'created_at_ms',
    ]);
    expect(table?.primaryColumns.map((column) => column.name)).toEqual(['id']);
  });

  it('has nothing left to run on the next boot', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    const again = new DataSource(
      dataSourceOptions(loadConfig({ DATABASE_URL: database.url }).database),
    );
    await again.initialize();
    expect(await again.showMigrations()).toBe(false);
    await again.destroy();
  });

  it('stores unicode text, big numbers and doubles faithfully', async () => {
    const createdAtMs = 4_102_444_800_123; // 2100-01-01, beyond 32-bit seconds
    await dataSource.query(
      'INSERT INTO reference_audio (id, filename, bytes, created_at, created_at_ms, text, format, ' +
        'sample_rate, duration, storage_key, features_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        '50a5fdb9-c3ad-445a-adbb-3be327500000',
        '参考.wav',
        111496,
        Math.floor(createdAtMs / 1000),
        createdAtMs,
        '希望你以后能够做得比我还好哟 😀',
        'wav',
        22050,
        2.528117913832,
        '50a5fdb9-c3ad-445a-adbb-3be327500000.wav',
        null,
      ],
    );
    const [row] = (await dataSource.query(
      'SELECT filename, created_at_ms, text, duration, features_key FROM reference_audio',
    )) as Record<string, unknown>[];
    expect(row.filename).toBe('参考.wav');
    expect(Number(row.created_at_ms)).toBe(createdAtMs);
    expect(row.text).toBe('希望你以后能够做得比我还好哟 😀');
    expect(row.duration).toBeCloseTo(2.528117913832, 10);
    expect(row.features_key).toBeNull();
  });

  it('names are unique; any number of voices have none', async () => {
    const insert = (id: string, name: string | null) =>
      dataSource.query(
        'INSERT INTO reference_audio (id, filename, bytes, created_at, created_at_ms, text, ' +
          'format, sample_rate, duration, storage_key, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [id, 'a.wav', 1, 1, 1000, 't', 'wav', 16000, 1, `${id}.wav`, name],
      );
    await insert('00000000-0000-4000-8000-000000000001', null);
    await insert('00000000-0000-4000-8000-000000000002', null);
    await insert('00000000-0000-4000-8000-000000000003', 'narrator');
    await expect(insert('00000000-0000-4000-8000-000000000004', 'narrator')).rejects.toThrow();
    await dataSource.query('DELETE FROM reference_audio');
  });

  it('names are unique whatever their case; names stored before that rule are lower-cased', async () => {
    const insert = (id: string, name: string, createdAtMs: number) =>
      dataSource.query(
        'INSERT INTO reference_audio (id, filename, bytes, created_at, created_at_ms, text, ' +
          'format, sample_rate, duration, storage_key, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [id, 'a.wav', 1, 1, createdAtMs, 't', 'wav', 16000, 1, `${id}.wav`, name],
      );
    const names = async () =>
      (
        (await dataSource.query('SELECT id, name FROM reference_audio ORDER BY id')) as {
          id: string;
          name: string;
        }[]
      ).map((row) => [row.id, row.name]);
    const sqlite = database.url.startsWith('sqlite:');
    const ours = dataSource.migrations.findIndex(
      (migration) => migration.name === 'VoiceNamesCaseInsensitive1765200000000',
    );
    for (let i = ours; i < dataSource.migrations.length; i++) {
      await dataSource.undoLastMigration();
    }
    await insert('00000000-0000-4000-8000-000000000011', 'Narrator', 1000);
    if (sqlite) {
      // Before the rule SQLite held names that differ only in case.
      await insert('00000000-0000-4000-8000-000000000012', 'NARRATOR', 2000);
    } else {
      await expect(
        insert('00000000-0000-4000-8000-000000000012', 'NARRATOR', 2000),
      ).rejects.toThrow();
    }
    await dataSource.runMigrations();
    expect(await names()).toEqual([
      ['00000000-0000-4000-8000-000000000011', 'narrator'],
      ...(sqlite ? [['00000000-0000-4000-8000-000000000012', 'narrator-00000000']] : []),
    ]);
    await expect(
      insert('00000000-0000-4000-8000-000000000013', 'NaRRator', 3000),
    ).rejects.toThrow();
    await dataSource.query('DELETE FROM reference_audio');
  });

  it('reverts cleanly and migrates again', async () => {
    for (let i = 0; i < dataSource.migrations.length; i++) {
      await dataSource.undoLastMigration();
    }
    const runner = dataSource.createQueryRunner();
    expect(await runner.hasTable('reference_audio')).toBe(false);
    expect(await runner.hasTable('blob_deletion')).toBe(false);
    await runner.release();
    await dataSource.runMigrations();
    expect(Object.keys(await columns('reference_audio'))).toHaveLength(12);
  });

  it('creates the SQLite parent directory when needed', async () => {
    if (database.url.startsWith('sqlite:')) {
      expect((await stat(database.url.slice('sqlite:'.length))).isFile()).toBe(true);
    } else {
      expect(database.url).toMatch(/^mysql:\/\//);
    }
  });
});
