import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(PROJECT_DIR, 'src', 'main.ts');
const TSX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs'),
).href;

/** Runs the real entry point in `cwd` (where `npm start` finds .env) and waits for it to exit. */
function runMain(
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        TSX_TSCONFIG_PATH: join(PROJECT_DIR, 'tsconfig.json'),
        LOG_LEVEL: 'silent',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

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
    const result = await runMain(cwd, {});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid configuration:\s+PORT="eighty"/);
  });
});
