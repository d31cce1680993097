import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthesisInput } from '../../../src/inference/inference.types.js';
import { loadModelPack } from '../../../src/inference/model-pack/model-pack.loader.js';
import { ModelPackError } from '../../../src/inference/model-pack/model-pack.error.js';
import { finishTinyPack, TINY_PACK_PYTHON } from '../../../scripts/models/tiny-pack.js';
import { loadCpuEngine } from '../../support/cpu-engine.js';
import { collectSamples } from '../../support/engine-spies.js';
import { prepareTinyPackVariant } from '../../support/graph-variants.js';
import { concatFloat32 } from '../../support/signal-measures.js';
import { prepareTinyPack } from '../../support/tiny-pack.js';

const cpu = (modelDir: string) => ({ modelDir, device: 'cpu' as const, threads: 1 });

/** The whole-file audio of one seeded synthesis on the pack in `dir`. */
async function synthesize(dir: string): Promise<Float32Array> {
  const { engine, voice } = await loadCpuEngine(dir);
  try {
    const input: SynthesisInput = {
      mode: 'zero_shot',
      text: 'A short check.',
      promptText: 'A gliding tone.',
      voice,
      speed: 1,
      stream: false,
      seed: 7,
    };
    return concatFloat32(await collectSamples(engine.synthesize(input)));
  } finally {
    await engine.onApplicationShutdown();
  }
}

async function loadError(dir: string): Promise<ModelPackError> {
  const error: unknown = await loadModelPack(cpu(dir)).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ModelPackError);
  return error as ModelPackError;
}

/** Rewrites the pack's speech tables with `rows` rows (the extra rows never win a sampling draw). */
async function resizeSpeechTables(dir: string, rows: number): Promise<void> {
  const script = `
import numpy as np, os, sys
d, rows = sys.argv[1], int(sys.argv[2])
def resize(name, fill):
    path = os.path.join(d, 'CosyVoice2-0.5B_%s.npy' % name)
    table = np.load(path)
    shape = (rows,) + table.shape[1:]
    out = np.full(shape, fill, dtype=table.dtype)
    n = min(rows, table.shape[0])
    out[:n] = table[:n]
    np.save(path, out)
resize('speech_embedding', 0.0)
resize('llm_decoder_weight', 0.0)
resize('llm_decoder_bias', -30.0)
`;
  await promisify(execFile)(TINY_PACK_PYTHON, ['-c', script, dir, String(rows)]);
  await finishTinyPack(dir);
}

describe('the loader accepts what the reference pipeline accepts', () => {
  let reference: Float32Array;

  beforeAll(async () => {
    reference = await synthesize(await prepareTinyPack());
    expect(reference.length).toBeGreaterThan(0);
  });

  it('extra outputs after the used ones, any estimator output name and lower-rank flow encoder outputs: same audio', async () => {
    const dir = await prepareTinyPackVariant(
      'llm-extra-output',
      'estimator-renamed',
      'flow-encoder-low-rank',
    );
    const pack = await loadModelPack(cpu(dir));
    try {
      expect(pack.sessions.flowEstimator.outputNames).toEqual(['velocity', 'velocity_copy']);
      expect(pack.sessions.llm.outputNames.at(-1)).toBe('hidden_copy');
      const [, mask, spks, cond] = pack.sessions.flowEncoder.outputMetadata;
      expect([mask, spks, cond].map((meta) => (meta.isTensor ? meta.shape : []))).toEqual([
        [1, 'frames'],
        [80],
        [80, 'frames'],
      ]);
    } finally {
      await pack.release();
    }
    expect(await synthesize(dir)).toEqual(reference);
  });

  it('takes the speech vocabulary from the tables: 6600 rows load and speak', async () => {
    const dir = await prepareTinyPack();
    await resizeSpeechTables(dir, 6600);
    const pack = await loadModelPack(cpu(dir));
    expect(pack.dims.speechVocabSize).toBe(6600);
    expect(pack.tables.speechEmbedding.shape).toEqual([6600, 32]);
    await pack.release();
    expect((await synthesize(dir)).length).toBeGreaterThan(0);
  });

  it('refuses tables without a row for EOS, naming the file and what the engine needs', async () => {
    const dir = await prepareTinyPack();
    await resizeSpeechTables(dir, 6561);
    const error = await loadError(dir);
    expect(error.message).toBe(
      'CosyVoice2-0.5B_llm_decoder_bias.npy: holds shape [6561]; the engine needs [rows] with ' +
        'rows ≥ 6562 (speech tokens 0..6560 and EOS 6561)',
    );
    expect(error.file).toBe('CosyVoice2-0.5B_llm_decoder_bias.npy');
  });

  it('refuses a flow encoder mask of rank 4, naming the output', async () => {
    const dir = await prepareTinyPackVariant('flow-encoder-mask-rank4');
    const error = await loadError(dir);
    expect(error.message).toBe(
      "CosyVoice2-0.5B_flow_encoder.onnx: output 1 'mask' (mask) is declared [1, 1, 1, frames]; " +
        'the engine needs [1, 1, any] or [1, any] or [any]',
    );
  });

  it('refuses a decoder weight whose rows disagree with the bias', async () => {
    const dir = await prepareTinyPack();
    await promisify(execFile)(TINY_PACK_PYTHON, [
      '-c',
      'import numpy as np, sys; p = sys.argv[1]; np.save(p, np.load(p)[:6500])',
      join(dir, 'CosyVoice2-0.5B_llm_decoder_weight.npy'),
    ]);
    await finishTinyPack(dir);
    const error = await loadError(dir);
    expect(error.message).toBe(
      'CosyVoice2-0.5B_llm_decoder_weight.npy: holds shape [6500, 32]; the engine needs [6564, 32] ' +
        '(rows = 6564 from CosyVoice2-0.5B_llm_decoder_bias.npy, hidden = 32 from CosyVoice2-0.5B_llm_embedding.npy)',
    );
  });
});
