import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256OfFile } from '../../../src/inference/model-pack/file-digest.js';
import {
  MODEL_ROLES,
  type ModelPackManifest,
  type ModelRole,
} from '../../../src/inference/model-pack/model-pack.manifest.js';

/** What the check found for one file of the pack. */
export interface PackFileStatus {
  role: ModelRole;
  file: string;
  /** Bytes on disk; undefined when the file is missing. */
  size?: number;
  /** `ok`/`mismatch` against the manifest; `unlisted` when the manifest gives no value. */
  sizeStatus: 'ok' | 'mismatch' | 'unlisted' | 'missing';
  sha256Status: 'ok' | 'mismatch' | 'unlisted' | 'missing';
}

/** Size and sha256 of every file the manifest names, compared with the manifest's values. */
export async function checkPackFiles(
  dir: string,
  manifest: ModelPackManifest,
): Promise<PackFileStatus[]> {
  const statuses: PackFileStatus[] = [];
  for (const role of MODEL_ROLES) {
    const entry = manifest.roles[role];
    const path = join(dir, entry.file);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      statuses.push({ role, file: entry.file, sizeStatus: 'missing', sha256Status: 'missing' });
      continue;
    }
    const sizeStatus =
      entry.size === undefined ? 'unlisted' : entry.size === info.size ? 'ok' : 'mismatch';
    const sha256Status =
      entry.sha256 === undefined
        ? 'unlisted'
        : entry.sha256 === (await sha256OfFile(path))
          ? 'ok'
          : 'mismatch';
    statuses.push({ role, file: entry.file, size: info.size, sizeStatus, sha256Status });
  }
  return statuses;
}

/** Whether a file status means the pack is not the one its manifest describes. */
export function isFileFault(status: PackFileStatus): boolean {
  return [status.sizeStatus, status.sha256Status].some(
    (value) => value === 'missing' || value === 'mismatch',
  );
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
