/**
 * Generates the pack the GPU check runs on: `bench` (real-size graphs with random weights,
 * scripts/models/bench_pack.py) or `tiny` (the CI pack, scripts/models/tiny_pack.py), with the
 * Python in TINY_PACK_PYTHON and its own torch and onnx. Usage: make-pack <bench|tiny> <dir>.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { finishTinyPack, generateTinyPackGraphs, TINY_PACK_PYTHON } from '../models/tiny-pack.js';

/** bench_pack.py sits beside tiny_pack.py (scripts/models/, or models/ in the bundle). */
const BENCH_GENERATOR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'models',
  'bench_pack.py',
);

async function main(): Promise<void> {
  const [kind, target] = process.argv.slice(2);
  if ((kind !== 'bench' && kind !== 'tiny') || target === undefined) {
    console.error('usage: make-pack <bench|tiny> <dir>');
    process.exit(2);
  }
  const dir = resolve(target);
  await mkdir(dir, { recursive: true });
  if (kind === 'tiny') {
    await generateTinyPackGraphs(dir);
  } else {
    await promisify(execFile)(TINY_PACK_PYTHON, [BENCH_GENERATOR, dir], {
      maxBuffer: 64 * 1024 * 1024,
    });
  }
  const manifest = await finishTinyPack(dir);
  console.log(`${kind} pack written to ${dir} (${Object.keys(manifest.roles).length} files)`);
}

await main();
