import type { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { validateGraphContract } from '../../../src/inference/model-pack/graph-contract.validator.js';
import { GRAPH_CONTRACTS } from '../../../src/inference/model-pack/model-pack.manifest.js';

type Meta = InferenceSession.ValueMetadata;
const tensor = (name: string, type: string, shape: (number | string)[]): Meta =>
  ({ name, isTensor: true, type, shape }) as Meta;

function llmGraph(layers: number, cacheType = 'float32') {
  const inputs = [tensor('xs', 'float32', [1, 'l', 896]), tensor('masks', 'bool', [1, 'l', 'l'])];
  const outputs = [tensor('y', 'float32', [1, 'l', 896])];
  for (let layer = 0; layer < layers; layer++) {
    inputs.push(tensor(`key_cache${layer}`, cacheType, [1, 2, 'past', 64]));
    inputs.push(tensor(`value_cache${layer}`, 'float32', [1, 2, 'past', 64]));
    outputs.push(tensor(`k${layer}`, 'float32', [1, 2, 'all', 64]));
    outputs.push(tensor(`v${layer}`, 'float32', [1, 2, 'all', 64]));
  }
  return { inputMetadata: inputs, outputMetadata: outputs };
}

describe('validateGraphContract', () => {
  it('counts the LLM layers from the key_cache inputs (24 in CosyVoice2-0.5B)', () => {
    expect(validateGraphContract('llm.onnx', GRAPH_CONTRACTS.llm, llmGraph(24)).layers).toBe(24);
  });

  it('reports a wrong element type with expected vs actual', () => {
    expect(() =>
      validateGraphContract('llm.onnx', GRAPH_CONTRACTS.llm, llmGraph(2, 'float16')),
    ).toThrow("llm.onnx: input 'key_cache0' is declared float16; the engine needs float32");
  });

  it('reports a missing output per layer', () => {
    const graph = llmGraph(2);
    graph.outputMetadata.pop();
    expect(() => validateGraphContract('llm.onnx', GRAPH_CONTRACTS.llm, graph)).toThrow(
      'llm.onnx: declares 4 outputs (y, k0, v0, k1); the engine takes 5 by position: hidden states, ' +
        'key_cache0 of the next step, value_cache0 of the next step, key_cache1 of the next step, ' +
        'value_cache1 of the next step',
    );
  });

  it('reports a wrong rank and a wrong fixed dimension', () => {
    const hift = (input: Meta) => ({
      inputMetadata: [input],
      outputMetadata: [tensor('m', 'float32', [1, 9, 'f']), tensor('p', 'float32', [1, 9, 'f'])],
    });
    expect(() =>
      validateGraphContract(
        'hift.onnx',
        GRAPH_CONTRACTS.hift,
        hift(tensor('speech_feat', 'float32', [80, 't'])),
      ),
    ).toThrow("hift.onnx: input 'speech_feat' is declared [80, t]; the engine needs [1, 80, any]");
    expect(() =>
      validateGraphContract(
        'hift.onnx',
        GRAPH_CONTRACTS.hift,
        hift(tensor('speech_feat', 'float32', [1, 100, 't'])),
      ),
    ).toThrow(
      "hift.onnx: input 'speech_feat' is declared [1, 100, t]; the engine needs [1, 80, any]",
    );
  });

  it('accepts symbolic dimensions and either integer type for token inputs', () => {
    const graph = {
      inputMetadata: [tensor('input', 'int64', ['batch', 'l'])],
      outputMetadata: [tensor('output', 'float32', ['batch', 'l', 896])],
    };
    expect(validateGraphContract('embed.onnx', GRAPH_CONTRACTS.embedTokens, graph).layers).toBe(0);
  });

  it('takes the estimator output by position, whatever its name, and accepts extra outputs', () => {
    const frames = (name: string, channels: number) => tensor(name, 'float32', [2, channels, 'T']);
    const graph = {
      inputMetadata: [
        frames('x', 80),
        frames('mask', 1),
        frames('mu', 80),
        tensor('t', 'float32', [2]),
        tensor('spks', 'float32', [2, 80]),
        frames('cond', 80),
      ],
      outputMetadata: [frames('output', 80), frames('debug', 80)],
    };
    expect(validateGraphContract('est.onnx', GRAPH_CONTRACTS.flowEstimator, graph)).toEqual({
      layers: 0,
      extraOutputs: ['debug'],
    });
  });

  it('accepts LLM outputs beyond hidden states and caches', () => {
    const graph = llmGraph(2);
    graph.outputMetadata.push(tensor('logits', 'float32', [1, 'l', 6564]));
    expect(validateGraphContract('llm.onnx', GRAPH_CONTRACTS.llm, graph)).toEqual({
      layers: 2,
      extraOutputs: ['logits'],
    });
  });

  describe('flow encoder outputs (mu, mask, spks, cond by position)', () => {
    const inputs = [
      tensor('token', 'int64', [1, 'n']),
      tensor('token_len', 'int32', [1]),
      tensor('prompt_token', 'int64', [1, 'p']),
      tensor('prompt_token_len', 'int32', [1]),
      tensor('prompt_feat', 'float32', [1, 'f', 80]),
      tensor('embedding', 'float32', [1, 192]),
    ];
    const encoder = (
      mask: (number | string)[],
      spks: (number | string)[],
      cond: (number | string)[],
    ) => ({
      inputMetadata: inputs,
      outputMetadata: [
        tensor('mu', 'float32', [1, 80, 'T']),
        tensor('mask', 'float32', mask),
        tensor('spks', 'float32', spks),
        tensor('cond', 'float32', cond),
      ],
    });

    it('accepts the ranks the pipeline broadcasts: mask [1, 1, T], [1, T] or [T], spks [1, 80] or [80], cond [1, 80, T] or [80, T]', () => {
      for (const graph of [
        encoder([1, 1, 'T'], [1, 80], [1, 80, 'T']),
        encoder([1, 'T'], [80], [80, 'T']),
        encoder(['T'], [1, 80], [80, 'T']),
      ]) {
        expect(validateGraphContract('enc.onnx', GRAPH_CONTRACTS.flowEncoder, graph).layers).toBe(
          0,
        );
      }
    });

    it('refuses a shape the engine cannot use, naming the output and what it needs', () => {
      expect(() =>
        validateGraphContract(
          'enc.onnx',
          GRAPH_CONTRACTS.flowEncoder,
          encoder([1, 1, 1, 'T'], [1, 80], [1, 80, 'T']),
        ),
      ).toThrow(
        "enc.onnx: output 1 'mask' (mask) is declared [1, 1, 1, T]; the engine needs [1, 1, any] or [1, any] or [any]",
      );
      expect(() =>
        validateGraphContract(
          'enc.onnx',
          GRAPH_CONTRACTS.flowEncoder,
          encoder([1, 1, 'T'], [1, 192], [1, 80, 'T']),
        ),
      ).toThrow(
        "enc.onnx: output 2 'spks' (spks) is declared [1, 192]; the engine needs [1, 80] or [80]",
      );
    });
  });
});
