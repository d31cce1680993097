import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256OfFile } from '../../../src/inference/model-pack/file-digest.js';
import {
  canGenerateTinyPack,
  generateTinyPackGraphs,
  TINY_PACK_PYTHON,
} from '../../../scripts/models/tiny-pack.js';
import { TINY_PACK_FIXTURE_DIR } from '../../support/tiny-pack.js';

const available = await canGenerateTinyPack();

describe('tiny pack generator (scripts/models/tiny_pack.py)', () => {
  it.skipIf(!available)(
    `reproduces the committed fixture byte for byte (skipped when ${TINY_PACK_PYTHON} lacks torch + onnx)`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tiny-pack-generator-'));
      try {
        await generateTinyPackGraphs(dir);
        const committed = (await readdir(TINY_PACK_FIXTURE_DIR)).sort();
        expect((await readdir(dir)).sort()).toEqual(committed);
        for (const file of committed) {
          expect({ file, sha256: await sha256OfFile(join(dir, file)) }).toEqual({
            file,
            sha256: await sha256OfFile(join(TINY_PACK_FIXTURE_DIR, file)),
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
