import { Logger } from '@nestjs/common';
import { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelPack } from '../../../src/inference/model-pack/model-pack.loader.js';
import type { LoadedModelPack } from '../../../src/inference/model-pack/model-pack.types.js';
import { prepareTinyPack } from '../../support/tiny-pack.js';

Logger.overrideLogger(false);

const EOS = 6561;

function lowerTriangle(size: number): Tensor {
  const mask = new Uint8Array(size * size);
  for (let row = 0; row < size; row++) mask.fill(1, row * size, row * size + row + 1);
  return new Tensor('bool', mask, [1, size, size]);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let index = 0; index < a.length; index++) max = Math.max(max, Math.abs(a[index] - b[index]));
  return max;
}

const wave = (length: number, step: number) =>
  Float32Array.from({ length }, (_, index) => Math.sin(index * step));

/**
 * The properties of the tiny pack that the engine tests rely on: real shapes, a causal LLM
 * whose KV cache reproduces a full prefill, EOS reachable but not immediate, 2 mel frames per
 * token, 120T+1 STFT frames per T mel frames.
 */
describe('tiny model pack', () => {
  let pack: LoadedModelPack;
  beforeAll(async () => {
    pack = await loadModelPack({ modelDir: await prepareTinyPack(), device: 'cpu', threads: 1 });
  });
  afterAll(() => pack.release());

  function emptyCache(): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (let layer = 0; layer < pack.dims.numLayers; layer++) {
      for (const prefix of ['key_cache', 'value_cache']) {
        feeds[`${prefix}${layer}`] = new Tensor('float32', new Float32Array(0), [1, 2, 0, 8]);
      }
    }
    return feeds;
  }

  async function runLlm(xs: Float32Array, cache: Record<string, Tensor>) {
    const length = xs.length / pack.dims.hiddenSize;
    const result = await pack.sessions.llm.run({
      xs: new Tensor('float32', xs, [1, length, pack.dims.hiddenSize]),
      masks: lowerTriangle(length),
      ...cache,
    });
    const names = pack.sessions.llm.outputNames;
    const next: Record<string, Tensor> = {};
    for (let layer = 0; layer < pack.dims.numLayers; layer++) {
      next[`key_cache${layer}`] = result[names[1 + 2 * layer]] as Tensor;
      next[`value_cache${layer}`] = result[names[2 + 2 * layer]] as Tensor;
    }
    return { hidden: result[names[0]].data as Float32Array, cache: next };
  }

  it('LLM: a prefill of 6 positions equals prefilling 3 then feeding 1 and 2 through the cache', async () => {
    const hidden = pack.dims.hiddenSize;
    const xs = wave(6 * hidden, 0.37);
    const whole = await runLlm(xs, emptyCache());
    const pieces: number[] = [];
    let cache = emptyCache();
    let position = 0;
    for (const length of [3, 1, 2]) {
      const step = await runLlm(xs.slice(position * hidden, (position + length) * hidden), cache);
      pieces.push(...step.hidden);
      cache = step.cache;
      position += length;
    }
    expect(cache.key_cache0.dims).toEqual([1, 2, 6, 8]);
    expect(maxAbsDiff(pieces, whole.hidden)).toBeLessThan(1e-5);
  });

  it('LLM + decoder tables: EOS has a small but real probability at each step', async () => {
    const { speechEmbedding, llmEmbedding, llmDecoderWeight, llmDecoderBias } = pack.tables;
    const hidden = pack.dims.hiddenSize;
    const row = (table: Float32Array, index: number) =>
      table.subarray(index * hidden, (index + 1) * hidden);
    const input = new Float32Array(4 * hidden);
    [
      row(llmEmbedding.data, 0),
      row(speechEmbedding.data, 17),
      row(llmEmbedding.data, 1),
      row(speechEmbedding.data, 400),
    ].forEach((vector, index) => input.set(vector, index * hidden));
    let step = await runLlm(input, emptyCache());
    for (let index = 0; index < 8; index++) {
      const last = step.hidden.subarray(step.hidden.length - hidden);
      const logits = new Float64Array(6564);
      for (let token = 0; token < 6564; token++) {
        let sum = llmDecoderBias.data[token];
        for (let k = 0; k < hidden; k++) sum += last[k] * llmDecoderWeight.data[token * hidden + k];
        logits[token] = sum;
      }
      const max = Math.max(...logits);
      const total = logits.reduce((acc, value) => acc + Math.exp(value - max), 0);
      const probability = (token: number) => Math.exp(logits[token] - max) / total;
      expect(probability(EOS)).toBeGreaterThan(0.005);
      expect(probability(EOS)).toBeLessThan(0.3);
      expect(probability(6562) + probability(6563)).toBeLessThan(1e-9);
      const next = logits.indexOf(max) === EOS ? 1 : logits.indexOf(max);
      step = await runLlm(row(speechEmbedding.data, next).slice(), step.cache);
    }
  });

  it('speech tokenizer: ceil(T/4) tokens in 0..6560', async () => {
    for (const frames of [1, 4, 5, 13, 100]) {
      const result = await pack.sessions.speechTokenizer.run({
        feats: new Tensor('float32', wave(128 * frames, 0.1), [1, 128, frames]),
        feats_length: new Tensor('int32', Int32Array.from([frames]), [1]),
      });
      const tokens = result[pack.sessions.speechTokenizer.outputNames[0]];
      expect(tokens.dims).toEqual([1, Math.ceil(frames / 4)]);
      for (const token of tokens.data as BigInt64Array) {
        expect(token >= 0n && token <= 6560n).toBe(true);
      }
    }
  });

  it('campplus: a 192-d embedding', async () => {
    const result = await pack.sessions.campplus.run({
      input: new Tensor('float32', wave(30 * 80, 0.1), [1, 30, 80]),
    });
    expect(result[pack.sessions.campplus.outputNames[0]].dims).toEqual([1, 192]);
  });

  async function encode(tokens: bigint[], promptTokens: bigint[], promptFeat: Float32Array) {
    const result = await pack.sessions.flowEncoder.run({
      token: new Tensor('int64', BigInt64Array.from(tokens), [1, tokens.length]),
      token_len: new Tensor('int32', Int32Array.from([tokens.length]), [1]),
      prompt_token: new Tensor('int64', BigInt64Array.from(promptTokens), [1, promptTokens.length]),
      prompt_token_len: new Tensor('int32', Int32Array.from([promptTokens.length]), [1]),
      prompt_feat: new Tensor('float32', promptFeat, [1, 2 * promptTokens.length, 80]),
      embedding: new Tensor('float32', wave(192, 0.3), [1, 192]),
    });
    return pack.sessions.flowEncoder.outputNames.map((name) => result[name] as Tensor);
  }

  it('flow encoder: 2 frames per token, prompt mel in cond, causal over tokens', async () => {
    const prompt = [9n, 8n, 7n, 6n];
    const promptFeat = wave(8 * 80, 0.05);
    const [mu, mask, spks, cond] = await encode([1n, 2n, 3n, 6560n], prompt, promptFeat);
    expect(mu.dims).toEqual([1, 80, 16]);
    expect(mask.dims).toEqual([1, 1, 16]);
    expect(spks.dims).toEqual([1, 80]);
    expect(cond.dims).toEqual([1, 80, 16]);
    const condData = cond.data as Float32Array;
    expect(condData[0 * 16 + 3]).toBeCloseTo(promptFeat[3 * 80 + 0], 6);
    expect(condData[5 * 16 + 7]).toBeCloseTo(promptFeat[7 * 80 + 5], 6);
    expect(condData[5 * 16 + 8]).toBe(0);
    const [longer] = await encode([1n, 2n, 3n, 6560n, 42n, 43n], prompt, promptFeat);
    const frames = (tensor: Tensor, count: number) => {
      const data = tensor.data as Float32Array;
      const width = tensor.dims[2];
      return Array.from(
        { length: 80 * count },
        (_, i) => data[Math.floor(i / count) * width + (i % count)],
      );
    };
    expect(maxAbsDiff(frames(longer, 16), frames(mu, 16))).toBeLessThan(1e-6);
    const [changed] = await encode([1n, 2n, 3n, 5000n], prompt, promptFeat);
    expect(maxAbsDiff(frames(changed, 16), frames(mu, 16))).toBeGreaterThan(1e-3);
  });

  it('estimator: [2, 80, T] in and out', async () => {
    const frames = 9;
    const field = (channels: number) =>
      new Tensor('float32', wave(2 * channels * frames, 0.2), [2, channels, frames]);
    const result = await pack.sessions.flowEstimator.run({
      x: field(80),
      mask: new Tensor('float32', new Float32Array(2 * frames).fill(1), [2, 1, frames]),
      mu: field(80),
      t: new Tensor('float32', Float32Array.from([0.5, 0.5]), [2]),
      spks: new Tensor('float32', wave(160, 0.4), [2, 80]),
      cond: field(80),
    });
    expect(result.estimator_out.dims).toEqual([2, 80, frames]);
  });

  it('hift: T mel frames give 120T+1 STFT frames of small magnitude and sin-phase', async () => {
    const result = await pack.sessions.hift.run({
      speech_feat: new Tensor('float32', wave(80 * 5, 1), [1, 80, 5]),
    });
    const [magnitude, phase] = pack.sessions.hift.outputNames.map((name) => result[name]);
    expect(magnitude.dims).toEqual([1, 9, 601]);
    expect(phase.dims).toEqual([1, 9, 601]);
    const magnitudes = magnitude.data as Float32Array;
    expect(Math.min(...magnitudes)).toBeGreaterThan(0);
    expect(Math.max(...magnitudes)).toBeLessThan(0.2);
    for (const value of phase.data as Float32Array) expect(Math.abs(value)).toBeLessThanOrEqual(1);
  });
});
