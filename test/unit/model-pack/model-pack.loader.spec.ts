import { Logger } from '@nestjs/common';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listSupportedBackends, Tensor } from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { InferenceConfig } from '../../../src/config/app-config.js';
import { ExecutionDeviceUnavailableError } from '../../../src/inference/execution-device-unavailable.error.js';
import { ModelNotLoadedError } from '../../../src/inference/inference.provider.js';
import { ModelPackError } from '../../../src/inference/model-pack/model-pack.error.js';
import { loadModelPack } from '../../../src/inference/model-pack/model-pack.loader.js';
import type { LoadedModelPack } from '../../../src/inference/model-pack/model-pack.types.js';
import { prepareTinyPack, replaceBytes } from '../../support/tiny-pack.js';
import { labelExpectedCudaFailure } from '../../support/expected-cuda-failure.js';

Logger.overrideLogger(false);

const cpu = (modelDir: string): InferenceConfig => ({ modelDir, device: 'cpu', threads: 1 });

async function loadError(config: InferenceConfig): Promise<ModelPackError> {
  const error = await loadModelPack(config).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ModelPackError);
  expect(error).toBeInstanceOf(ModelNotLoadedError);
  return error as ModelPackError;
}

describe('loadModelPack on the tiny pack', () => {
  let pack: LoadedModelPack | undefined;
  afterEach(async () => {
    await pack?.release();
    pack = undefined;
  });

  it('loads every graph and table and derives the dimensions from the files', async () => {
    const dir = await prepareTinyPack();
    pack = await loadModelPack(cpu(dir));
    expect(pack.dir).toBe(dir);
    expect(pack.device).toBe('cpu');
    expect(pack.dims).toEqual({
      hiddenSize: 32,
      numLayers: 4,
      kvHeads: 2,
      headDim: 8,
      speechVocabSize: 6564,
    });
    expect(pack.tokenDtypes).toEqual({
      textIds: 'int32',
      flowToken: 'int64',
      flowPromptToken: 'int64',
      speechTokenizerOutput: 'int64',
    });
    expect(pack.tables.speechEmbedding.shape).toEqual([6564, 32]);
    expect(pack.tables.speechEmbedding.data).toHaveLength(6564 * 32);
    expect(pack.tables.llmEmbedding.shape).toEqual([2, 32]);
    expect(pack.tables.llmDecoderWeight.shape).toEqual([6564, 32]);
    expect(pack.tables.llmDecoderBias.shape).toEqual([6564]);
    expect(pack.sessions.llm.inputNames).toHaveLength(2 + 2 * 4);
    expect(pack.sessions.flowEstimator.outputNames).toEqual(['estimator_out']);
    const added = pack.tokenizerJson.added_tokens as { id: number; content: string }[];
    expect(added.find((token) => token.id === 151646)?.content).toBe('<|endofprompt|>');
  });

  it('creates sessions that run: embed_tokens accepts the highest CosyVoice2 text id', async () => {
    pack = await loadModelPack(cpu(await prepareTinyPack()));
    const ids = new Tensor('int32', Int32Array.from([151662, 151646, 0]), [1, 3]);
    const result = await pack.sessions.embedTokens.run({ input: ids });
    expect(result[pack.sessions.embedTokens.outputNames[0]].dims).toEqual([1, 3, 32]);
  });

  it('loads a pack without a manifest by the default file names', async () => {
    const dir = await prepareTinyPack();
    await rm(join(dir, 'cosyvoice2-pack.json'));
    pack = await loadModelPack({ modelDir: dir, device: 'cpu', threads: 0 });
    expect(pack.dims.numLayers).toBe(4);
  });
});

describe('loadModelPack on a broken pack', () => {
  it('names the missing file and the download command', async () => {
    const dir = await prepareTinyPack();
    await rm(join(dir, 'CosyVoice2-0.5B_hift.onnx'));
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      `Model pack in ${dir} is incomplete: missing CosyVoice2-0.5B_hift.onnx — run: npm run models:download`,
    );
    expect(error.file).toBe('CosyVoice2-0.5B_hift.onnx');
  });

  it('says so when MODEL_DIR does not exist', async () => {
    const dir = join(await prepareTinyPack(), 'nowhere');
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      `Model directory ${dir} does not exist (MODEL_DIR) — run: npm run models:download`,
    );
  });

  it('names the graph input that is missing', async () => {
    const dir = await prepareTinyPack();
    await replaceBytes(join(dir, 'CosyVoice2-0.5B_hift.onnx'), 'speech_feat', 'speech_fea7');
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      "CosyVoice2-0.5B_hift.onnx: the engine feeds input 'speech_feat', which the graph does not declare (it declares: speech_fea7)",
    );
  });

  it('names a KV cache input that is missing', async () => {
    const dir = await prepareTinyPack();
    await replaceBytes(join(dir, 'CosyVoice2-0.5B_llm.onnx'), 'value_cache2', 'value_cacheX');
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      'CosyVoice2-0.5B_llm.onnx: declares value_cache0, value_cache1, value_cache3; the engine ' +
        "needs value_cache0 to value_cache3 without gaps ('value_cache2' is missing)",
    );
  });

  it('reports a truncated download by its size', async () => {
    const dir = await prepareTinyPack();
    const path = join(dir, 'CosyVoice2-0.5B_llm_decoder_weight.npy');
    await writeFile(path, (await readFile(path)).subarray(0, 1000));
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      'CosyVoice2-0.5B_llm_decoder_weight.npy has 1000 bytes but the manifest says 840320 ' +
        '(incomplete download?) — run: npm run models:download',
    );
  });

  it('reports a .npy table whose header does not match its data', async () => {
    const dir = await prepareTinyPack();
    await replaceBytes(join(dir, 'CosyVoice2-0.5B_llm_decoder_bias.npy'), '(6564,)', '(6563,)');
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      'CosyVoice2-0.5B_llm_decoder_bias.npy: .npy data has 26256 bytes, shape [6563] of <f4 ' +
        'needs 26252 — run: npm run models:download',
    );
  });

  it('reports a table whose width disagrees with the hidden size', async () => {
    const dir = await prepareTinyPack();
    await replaceBytes(
      join(dir, 'CosyVoice2-0.5B_speech_embedding.npy'),
      '(6564, 32)',
      '(13128, 16)',
    );
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      'CosyVoice2-0.5B_speech_embedding.npy: holds shape [13128, 16]; the engine needs ' +
        '[rows ≥ 6561 (one per speech token), 32] (hidden = 32 from CosyVoice2-0.5B_llm_embedding.npy)',
    );
  });

  it('rejects a tokenizer.json without the CosyVoice2 added tokens', async () => {
    const dir = await prepareTinyPack();
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: {}, added_tokens: [] }));
    await rm(join(dir, 'cosyvoice2-pack.json'));
    const error = await loadError(cpu(dir));
    expect(error.message).toBe(
      'tokenizer.json: not the CosyVoice2 tokenizer (needs a BPE model and the added token ' +
        '<|endofprompt|> = 151646) — run: npm run models:download',
    );
  });

  const cudaBundled = listSupportedBackends().some(
    (backend) => backend.name === 'cuda' && backend.bundled,
  );
  it.skipIf(cudaBundled)('fails loudly when cuda is requested but unavailable', async () => {
    const dir = await prepareTinyPack();
    labelExpectedCudaFailure();
    const error = await loadModelPack({ modelDir: dir, device: 'cuda', threads: 0 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ExecutionDeviceUnavailableError);
    expect((error as Error).message).toMatch(
      /^INFERENCE_DEVICE=cuda but onnxruntime could not create the CUDA execution provider \(.+\)/,
    );
  });
});
