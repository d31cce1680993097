/**
 * npm run models:bench-pack -- <dir> [--int8] [--int8-estimator]
 * Builds the real-size CosyVoice2 benchmark pack (random weights, ~2.5 GB) into <dir> for
 * `npm run bench:engine`. Needs Debian's python3-torch and python3-onnx (/usr/bin/python3, or
 * set TINY_PACK_PYTHON); not run in CI, and the pack is never committed. `--int8` writes the LLM
 * graph with int8 weights (dynamic quantisation of its MatMuls), `--int8-estimator` the flow
 * estimator's. Graph details: scripts/models/bench_pack.py.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { finishTinyPack, TINY_PACK_PYTHON } from './tiny-pack.js';

const GENERATOR = join(dirname(fileURLToPath(import.meta.url)), 'bench_pack.py');
const FLAGS = new Set(['--int8', '--int8-estimator']);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flags = args.filter((arg) => FLAGS.has(arg));
  const positional = args.filter((arg) => !FLAGS.has(arg));
  if (positional.length !== 1) {
    console.error('usage: npm run models:bench-pack -- <dir> [--int8] [--int8-estimator]');
    process.exit(2);
  }
  const dir = resolve(positional[0]);
  try {
    await promisify(execFile)(TINY_PACK_PYTHON, [GENERATOR, dir, ...flags], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    console.error(
      `Exporting the benchmark graphs with ${TINY_PACK_PYTHON} failed (it needs torch and onnx; ` +
        `set TINY_PACK_PYTHON to another interpreter):\n${(error as Error).message}`,
    );
    process.exit(1);
  }
  const manifest = await finishTinyPack(dir);
  console.log(
    `Benchmark model pack written to ${dir} (${Object.keys(manifest.roles).length} files)`,
  );
}

await main();
