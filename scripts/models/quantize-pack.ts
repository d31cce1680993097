/**
 * npm run models:quantize -- <pack dir> <out dir> [--estimator]
 * Writes a copy of a CosyVoice2 model pack whose LLM graph (and, with --estimator, flow
 * estimator graph) has int8 MatMul weights: dynamic quantisation for CPU hosts (see
 * BENCHMARKS.md, "Engine at real size"). Every other file is hard-linked (copied across
 * file systems) from the source pack, which is never modified; the manifest gets the new sizes
 * and checksums. Point MODEL_DIR at <out dir>. Needs Debian's python3-onnx and python3-numpy
 * (/usr/bin/python3, or set TINY_PACK_PYTHON). The rewrite: scripts/models/int8_quantize.py.
 */
import { execFile } from 'node:child_process';
import { copyFile, link, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sha256OfFile } from '../../src/inference/model-pack/file-digest.js';
import {
  readManifestFile,
  writeManifestFile,
} from '../../src/inference/model-pack/model-pack.manifest-file.js';
import {
  DOWNLOAD_COMMAND,
  type ModelPackManifest,
} from '../../src/inference/model-pack/model-pack.manifest.js';
import { TINY_PACK_PYTHON } from './tiny-pack.js';

const QUANTIZER = join(dirname(fileURLToPath(import.meta.url)), 'int8_quantize.py');
/** The quantiser's exit code for a graph without any MatMul by a 2-D float weight. */
const NOTHING_TO_QUANTIZE = 3;

export interface QuantizedGraph {
  file: string;
  matmuls: number;
}

/** Hard-links (or copies) every file under `source` into `target`, keeping the layout. */
async function linkTree(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) {
      await linkTree(from, to);
    } else if (entry.isFile()) {
      await link(from, to).catch(() => copyFile(from, to));
    }
  }
}

async function quantizeGraph(source: string, target: string): Promise<number> {
  // The target is a link to the source's inode: remove it (and a linked external-data file the
  // quantiser could write into) so that writing the new graph leaves the source pack untouched.
  await rm(target, { force: true });
  await rm(`${target}.data`, { force: true });
  try {
    const { stdout } = await promisify(execFile)(TINY_PACK_PYTHON, [QUANTIZER, source, target], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return Number(stdout.trim());
  } catch (error) {
    if ((error as { code?: unknown }).code === NOTHING_TO_QUANTIZE) {
      throw new Error(`${source} has no MatMul with a 2-D float weight: nothing to quantise`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Builds the int8 pack in `target` (which must not exist yet) from the pack in `source`; returns
 * the graphs rewritten and how many MatMul weights each had quantised.
 */
export async function quantizePack(
  source: string,
  target: string,
  options: { estimator: boolean },
): Promise<QuantizedGraph[]> {
  if (await stat(target).catch(() => undefined)) {
    throw new Error(`${target} already exists: give a new directory for the int8 pack`);
  }
  if (!(await stat(source).catch(() => undefined))?.isDirectory()) {
    throw new Error(`${source} is not a model pack directory — run: ${DOWNLOAD_COMMAND}`);
  }
  const manifest: ModelPackManifest = await readManifestFile(source);
  const roles = options.estimator ? (['llm', 'flowEstimator'] as const) : (['llm'] as const);
  for (const role of roles) {
    const { file } = manifest.roles[role];
    if (!(await stat(join(source, file)).catch(() => undefined))?.isFile()) {
      throw new Error(`${source} has no ${file} to quantise — run: ${DOWNLOAD_COMMAND}`);
    }
  }
  await linkTree(source, target);
  try {
    const graphs: QuantizedGraph[] = [];
    for (const role of roles) {
      const { file } = manifest.roles[role];
      const path = join(target, file);
      const matmuls = await quantizeGraph(join(source, file), path);
      const { size } = await stat(path);
      manifest.roles[role] = { file, size, sha256: await sha256OfFile(path) };
      graphs.push({ file, matmuls });
    }
    await writeManifestFile(target, manifest);
    return graphs;
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const positional = args.filter((arg) => arg !== '--estimator');
  if (positional.length !== 2 || args.length - positional.length > 1) {
    console.error('usage: npm run models:quantize -- <pack dir> <out dir> [--estimator]');
    process.exit(2);
  }
  const [source, target] = positional.map((path) => resolve(path));
  try {
    const graphs = await quantizePack(source, target, { estimator: args.includes('--estimator') });
    for (const graph of graphs) {
      console.log(`${graph.file}: ${graph.matmuls} MatMul weights quantised to int8`);
    }
    console.log(`int8 model pack written to ${target}; set MODEL_DIR=${target}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
