import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomOperatorsIn } from '../../../src/inference/cosyvoice2/runtime/random-op.scan.js';
import { prepareTinyPack } from '../../support/tiny-pack.js';

describe('randomOperatorsIn', () => {
  it('names the random operators a graph file contains', async () => {
    const path = join(tmpdir(), `random-ops-${process.pid}.onnx`);
    await writeFile(
      path,
      Buffer.from('\u0000op:RandomNormalLike\u0000op:Multinomial\u0000op:Conv'),
    );
    expect(await randomOperatorsIn(path)).toEqual(['RandomNormalLike', 'Multinomial']);
  });

  it('finds a name that straddles two reads of a large file', async () => {
    const path = join(tmpdir(), `random-ops-large-${process.pid}.onnx`);
    const bytes = Buffer.alloc(3 << 20);
    bytes.write('Multinomial', (1 << 20) - 5, 'latin1');
    await writeFile(path, bytes);
    try {
      expect(await randomOperatorsIn(path)).toEqual(['Multinomial']);
    } finally {
      await rm(path, { force: true });
    }
  });

  it('finds none in the deterministic tiny pack graphs', async () => {
    const dir = await prepareTinyPack();
    for (const file of ['CosyVoice2-0.5B_hift.onnx', 'flow.decoder.estimator.fp32.onnx']) {
      expect(await randomOperatorsIn(join(dir, file))).toEqual([]);
    }
  });
});
