import { rmSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishTinyPack } from '../../scripts/models/tiny-pack.js';

/**
 * The committed tiny pack: the graphs and tables that `scripts/models/tiny_pack.py` exports
 * (test/unit/model-pack/tiny-pack-generator.spec.ts checks that it still reproduces them).
 */
export const TINY_PACK_FIXTURE_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'tiny-pack',
);

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/**
 * A complete tiny CosyVoice2 model pack in a fresh temporary directory (removed when the test
 * process exits): the committed graphs and tables plus tokenizer.json and cosyvoice2-pack.json.
 * Each call returns a new directory, so a test may break its copy.
 */
export async function prepareTinyPack(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cosyvoice2-tiny-pack-'));
  created.push(dir);
  await cp(TINY_PACK_FIXTURE_DIR, dir, { recursive: true });
  await finishTinyPack(dir);
  return dir;
}

/**
 * Replaces every occurrence of `from` by `to` (same length) in a binary file, e.g. to rename a
 * graph tensor in a pack copy. Throws when `from` does not occur.
 */
export async function replaceBytes(path: string, from: string, to: string): Promise<void> {
  const bytes = await readFile(path);
  const needle = Buffer.from(from);
  let index = bytes.indexOf(needle);
  if (index < 0) {
    throw new Error(`${path} does not contain ${JSON.stringify(from)}`);
  }
  while (index >= 0) {
    Buffer.from(to).copy(bytes, index);
    index = bytes.indexOf(needle, index + needle.length);
  }
  await writeFile(path, bytes);
}
