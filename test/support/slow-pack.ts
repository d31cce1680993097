import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { finishTinyPack, TINY_PACK_PYTHON } from '../../scripts/models/tiny-pack.js';
import { prepareTinyPack } from './tiny-pack.js';

const SLOW_HIFT = join(dirname(fileURLToPath(import.meta.url)), 'slow_hift.py');

/**
 * A tiny pack (fresh temporary copy) whose HiFT graph is slow on purpose: every run also
 * multiplies `steps` [size, size] matrices (about 2·size³·steps floating-point operations),
 * while its output stays exactly the tiny pack's. Needs TINY_PACK_PYTHON with onnx.
 */
export async function prepareSlowPack(size = 768, steps = 12): Promise<string> {
  const dir = await prepareTinyPack();
  await promisify(execFile)(TINY_PACK_PYTHON, [
    SLOW_HIFT,
    join(dir, 'CosyVoice2-0.5B_hift.onnx'),
    String(size),
    String(steps),
  ]);
  await finishTinyPack(dir);
  return dir;
}
