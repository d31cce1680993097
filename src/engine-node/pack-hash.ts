import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE_NAME } from '../inference/model-pack/model-pack.manifest.js';

/**
 * sha256 of the model pack's manifest (it lists every file with its size and sha256), or
 * `no-manifest` for a pack without one: the API service dispatches only to nodes that agree.
 */
export async function packHashOf(modelDir: string): Promise<string> {
  try {
    const manifest = await readFile(join(modelDir, MANIFEST_FILE_NAME));
    return createHash('sha256').update(manifest).digest('hex');
  } catch {
    return 'no-manifest';
  }
}
