import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelPackError } from './model-pack.error.js';
import {
  defaultManifest,
  MANIFEST_FILE_NAME,
  type ModelPackManifest,
  parseManifest,
} from './model-pack.manifest.js';

/**
 * Reads `cosyvoice2-pack.json` from the pack directory; a pack without one uses the default
 * file names. Throws a ModelPackError when the file exists but is not a valid manifest.
 */
export async function readManifestFile(dir: string): Promise<ModelPackManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE_NAME), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultManifest();
    throw error;
  }
  try {
    return parseManifest(JSON.parse(text));
  } catch (error) {
    throw new ModelPackError(
      `${MANIFEST_FILE_NAME}: ${(error as Error).message}`,
      MANIFEST_FILE_NAME,
    );
  }
}

/** Writes the manifest atomically (temporary file + rename). */
export async function writeManifestFile(dir: string, manifest: ModelPackManifest): Promise<void> {
  const path = join(dir, MANIFEST_FILE_NAME);
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
