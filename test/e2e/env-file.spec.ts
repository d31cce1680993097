import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from '../support/run-main.js';

describe('npm start reads .env from its working directory (the real entry point)', () => {
  let dir: string | undefined;

  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function withEnvFile(text: string): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'cosyvoice-env-file-'));
    await writeFile(join(dir, '.env'), text);
    return dir;
  }

  it('a setting in .env is used (a bad value there stops the boot naming it)', async () => {
    const cwd = await withEnvFile('# comment\nPORT=eighty\n');
    const result = await runMain({}, cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid configuration:\s+PORT="eighty"/);
  });
});
