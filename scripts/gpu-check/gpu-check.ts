/**
 * npm run gpu-check -- --bundle <dir>   builds the GPU check bundle (< 60 MiB) into <dir>
 * npm run gpu-check -- --dry-run [dir]  builds it, then runs its run.sh here on SwiftShader with
 *                                       the tiny pack, a few requests per level (CI)
 * See scripts/gpu-check/README.md.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TINY_PACK_PYTHON } from '../models/tiny-pack.js';
import { BUNDLE_LIMIT_BYTES, buildBundle } from './bundle.builder.js';

/** Debian chromium's software Vulkan driver: the dry run's adapter. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function usage(): never {
  console.error('usage: npm run gpu-check -- --bundle <dir> | --dry-run [dir]');
  process.exit(2);
}

function runBundle(dir: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((done, fail) => {
    const child = spawn('sh', [join(dir, 'run.sh')], {
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    child.on('error', fail);
    child.on('exit', done);
  });
}

async function main(): Promise<void> {
  const [flag, target, ...rest] = process.argv.slice(2);
  if (rest.length > 0) usage();
  if (flag === '--bundle' && target !== undefined) {
    const size = await buildBundle(resolve(target));
    console.log(
      `GPU check bundle in ${resolve(target)}: ${(size / 2 ** 20).toFixed(1)} MiB ` +
        `(limit ${BUNDLE_LIMIT_BYTES / 2 ** 20} MiB). On the GPU host: sh run.sh`,
    );
    return;
  }
  if (flag !== '--dry-run') usage();
  if (!existsSync(SWIFTSHADER_ICD)) {
    throw new Error(`${SWIFTSHADER_ICD} is missing: the dry run needs Debian's chromium package`);
  }
  const dir = resolve(target ?? mkdtempSync(join(tmpdir(), 'gpu-check-dry-run-')));
  const size = await buildBundle(dir);
  console.log(`gpu-check dry run: bundle ${(size / 2 ** 20).toFixed(1)} MiB in ${dir}`);
  const code = await runBundle(dir, {
    VK_DRIVER_FILES: SWIFTSHADER_ICD,
    GPU_CHECK_PACK: 'tiny',
    TINY_PACK_PYTHON,
    GPU_CHECK_LEVELS: process.env.GPU_CHECK_LEVELS ?? '1,2',
    GPU_CHECK_REQUESTS: process.env.GPU_CHECK_REQUESTS ?? '2',
    GPU_CHECK_POSITIONS: process.env.GPU_CHECK_POSITIONS ?? '40',
  });
  if (code !== 0) {
    console.error(`gpu-check dry run: run.sh exited with ${code}`);
    process.exit(1);
  }
  console.log(`gpu-check dry run passed: results in ${join(dir, 'results')}`);
}

await main();
