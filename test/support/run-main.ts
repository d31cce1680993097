import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPOSITORY_DIR } from './compose-project.js';

const MAIN = join(REPOSITORY_DIR, 'src', 'main.ts');
const TSX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs'),
).href;

/**
 * Runs the real entry point (src/main.ts through tsx) in `cwd` (where it looks for .env) with
 * only `env` and PATH, and waits for it to exit (killed after 30 s).
 */
export function runMain(
  env: Record<string, string>,
  cwd = REPOSITORY_DIR,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        TSX_TSCONFIG_PATH: join(REPOSITORY_DIR, 'tsconfig.json'),
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
