import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { finishTinyPack, TINY_PACK_PYTHON } from '../../scripts/models/tiny-pack.js';
import { prepareTinyPack } from './tiny-pack.js';

export type GraphVariant =
  | 'llm-extra-output'
  | 'estimator-renamed'
  | 'flow-encoder-low-rank'
  | 'flow-encoder-mask-rank4'
  | 'flow-encoder-trimmed'
  | 'flow-encoder-short-2';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'graph_variants.py');

/**
 * A fresh tiny pack with one graph rewritten as another export would write it (see
 * graph_variants.py), its manifest updated to the new file.
 */
export async function prepareTinyPackVariant(...variants: GraphVariant[]): Promise<string> {
  const dir = await prepareTinyPack();
  for (const variant of variants) {
    await promisify(execFile)(TINY_PACK_PYTHON, [SCRIPT, dir, variant]);
  }
  await finishTinyPack(dir);
  return dir;
}
