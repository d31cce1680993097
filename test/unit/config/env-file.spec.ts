import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../../src/config/env-file.js';

const NAMES = ['COSYVOICE_ENV_FILE_A', 'COSYVOICE_ENV_FILE_B'] as const;

describe('loadEnvFile (.env for npm start and models:check)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosyvoice-env-'));
  });

  afterEach(async () => {
    for (const name of NAMES) delete process.env[name];
    await rm(dir, { recursive: true, force: true });
  });

  it('sets what the file lists, comments and quotes as in .env.example', async () => {
    const path = join(dir, '.env');
    await writeFile(
      path,
      '# a comment\nCOSYVOICE_ENV_FILE_A=from-file\nCOSYVOICE_ENV_FILE_B="quoted value"\n',
    );
    loadEnvFile(path);
    expect(process.env.COSYVOICE_ENV_FILE_A).toBe('from-file');
    expect(process.env.COSYVOICE_ENV_FILE_B).toBe('quoted value');
  });

  it('the environment wins over the file', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'COSYVOICE_ENV_FILE_A=from-file\nCOSYVOICE_ENV_FILE_B=from-file\n');
    process.env.COSYVOICE_ENV_FILE_A = 'from-environment';
    loadEnvFile(path);
    expect(process.env.COSYVOICE_ENV_FILE_A).toBe('from-environment');
    expect(process.env.COSYVOICE_ENV_FILE_B).toBe('from-file');
  });

  it('a missing file is fine', () => {
    expect(() => loadEnvFile(join(dir, '.env'))).not.toThrow();
    expect(process.env.COSYVOICE_ENV_FILE_A).toBeUndefined();
  });
});
