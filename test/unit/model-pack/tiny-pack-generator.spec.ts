import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  canGenerateTinyPack,
  generateTinyPackGraphs,
  TINY_PACK_PYTHON,
} from '../../../scripts/models/tiny-pack.js';
import { TINY_PACK_FIXTURE_DIR } from '../../support/tiny-pack.js';

const available = await canGenerateTinyPack();

/** Symbolic dimensions become 3; values are deterministic and valid for every tiny graph. */
function feedsFor(session: InferenceSession): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor`);
    const dims = meta.shape.map((dim) => (typeof dim === 'number' ? dim : 3));
    const size = dims.reduce((product, dim) => product * dim, 1);
    if (meta.type === 'float32') {
      feeds[meta.name] = new Tensor(
        'float32',
        Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.7)),
        dims,
      );
    } else if (meta.type === 'int32') {
      feeds[meta.name] = new Tensor(
        'int32',
        Int32Array.from({ length: size }, (_, i) => 3 + i * 1237),
        dims,
      );
    } else if (meta.type === 'int64') {
      feeds[meta.name] = new Tensor(
        'int64',
        BigInt64Array.from({ length: size }, (_, i) => BigInt(3 + i * 1237)),
        dims,
      );
    } else if (meta.type === 'bool') {
      feeds[meta.name] = new Tensor('bool', new Uint8Array(size).fill(1), dims);
    } else {
      throw new Error(`${meta.name}: unexpected type ${meta.type}`);
    }
  }
  return feeds;
}

async function outputsOf(path: string) {
  const session = await InferenceSession.create(path);
  try {
    const result = await session.run(feedsFor(session));
    return {
      inputs: session.inputMetadata,
      outputs: session.outputMetadata,
      values: session.outputNames.map((name) => ({
        dims: result[name].dims,
        data: Array.from(result[name].data as ArrayLike<number | bigint>, Number),
      })),
    };
  } finally {
    await session.release();
  }
}

describe('tiny pack generator (scripts/models/tiny_pack.py)', () => {
  it.skipIf(!available)(
    `reproduces the committed fixture: identical .npy bytes, graphs with the same I/O and outputs (skipped when ${TINY_PACK_PYTHON} lacks torch + onnx)`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tiny-pack-generator-'));
      try {
        await generateTinyPackGraphs(dir);
        const committed = (await readdir(TINY_PACK_FIXTURE_DIR)).sort();
        expect((await readdir(dir)).sort()).toEqual(committed);
        for (const file of committed.filter((name) => name.endsWith('.npy'))) {
          const same = (await readFile(join(dir, file))).equals(
            await readFile(join(TINY_PACK_FIXTURE_DIR, file)),
          );
          expect({ file, same }).toEqual({ file, same: true });
        }
        for (const file of committed.filter((name) => name.endsWith('.onnx'))) {
          const fresh = await outputsOf(join(dir, file));
          const fixture = await outputsOf(join(TINY_PACK_FIXTURE_DIR, file));
          expect({ file, inputs: fresh.inputs, outputs: fresh.outputs }).toEqual({
            file,
            inputs: fixture.inputs,
            outputs: fixture.outputs,
          });
          fresh.values.forEach((value, index) => {
            const expected = fixture.values[index];
            expect({ file, index, dims: value.dims }).toEqual({ file, index, dims: expected.dims });
            const worst = value.data.reduce(
              (max, x, i) => Math.max(max, Math.abs(x - expected.data[i])),
              0,
            );
            expect({ file, index, worst: worst <= 1e-6 }).toEqual({ file, index, worst: true });
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
