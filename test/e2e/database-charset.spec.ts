import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH, authHeaders, uploadReferenceAudio } from '../support/http-client.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { DEFAULT_TEST_DATABASE_URL, startTestApp, type TestApp } from '../support/test-app.js';

const BASE_URL = new URL(
  (process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL).replace(/^mariadb:/, 'mysql:'),
);
const TRANSCRIPT = '希望你以后能够做得比我还好哟 🎙';

function serverUrl(): string {
  const url = new URL(BASE_URL);
  url.pathname = '/';
  return url.toString();
}

function databaseUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(work: (c: Awaited<ReturnType<typeof createConnection>>) => Promise<T>) {
  const connection = await createConnection(serverUrl());
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

async function defaultCharset(name: string): Promise<string | undefined> {
  return onServer(async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS charset FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    return rows[0]?.charset as string | undefined;
  });
}

async function expectChineseTranscriptStored(app: TestApp): Promise<void> {
  const upload = await uploadReferenceAudio(app, { bytes: makeSpeechWav(1), text: TRANSCRIPT });
  expect(upload.status).toBe(200);
  const list = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, { headers: authHeaders(app) });
  expect(((await list.json()) as { text: string }[]).map((voice) => voice.text)).toEqual([
    TRANSCRIPT,
  ]);
}

describe('MySQL/MariaDB character sets and a missing database', () => {
  const created: string[] = [];
  const apps: TestApp[] = [];

  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await onServer(async (connection) => {
      for (const name of created) {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      }
    });
  });

  it('works on a database whose default character set is latin1 (the tables are utf8mb4)', async () => {
    const name = `cosyvoice_latin1_${randomBytes(4).toString('hex')}`;
    created.push(name);
    await onServer((c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET latin1`));
    const app = await startTestApp({ DATABASE_URL: databaseUrl(name) });
    apps.push(app);
    await expectChineseTranscriptStored(app);
    const tables = await onServer(async (connection) => {
      const [rows] = await connection.query<RowDataPacket[]>(
        'SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES ' +
          "WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('reference_audio', 'blob_deletion')",
        [name],
      );
      return rows.map((row) => `${String(row.name)}:${String(row.collation)}`).sort();
    });
    expect(tables).toEqual([
      'blob_deletion:utf8mb4_unicode_ci',
      'reference_audio:utf8mb4_unicode_ci',
    ]);
  });

  it('creates a missing database as utf8mb4 when its user may', async () => {
    const name = `cosyvoice_missing_${randomBytes(4).toString('hex')}`;
    created.push(name);
    expect(await defaultCharset(name)).toBeUndefined();
    const app = await startTestApp({ DATABASE_URL: databaseUrl(name) });
    apps.push(app);
    expect(await defaultCharset(name)).toBe('utf8mb4');
    await expectChineseTranscriptStored(app);
  });
});
