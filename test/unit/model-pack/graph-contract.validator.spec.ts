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
    ).toThrow("llm.onnx: input 'key_cache0' has element type float16, expected float32");
  });

  it('reports a missing output per layer', () => {
    const graph = llmGraph(2);
    graph.outputMetadata.pop();
    expect(() => validateGraphContract('llm.onnx', GRAPH_CONTRACTS.llm, graph)).toThrow(
      'llm.onnx: has 4 outputs, expected 5',
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
    ).toThrow("hift.onnx: input 'speech_feat' has rank 2 [80, t], expected rank 3");
    expect(() =>
      validateGraphContract(
        'hift.onnx',
        GRAPH_CONTRACTS.hift,
        hift(tensor('speech_feat', 'float32', [1, 100, 't'])),
      ),
    ).toThrow("hift.onnx: input 'speech_feat' has dimension 1 = 100, expected 80");
  });

  it('accepts symbolic dimensions and either integer type for token inputs', () => {
    const graph = {
      inputMetadata: [tensor('input', 'int64', ['batch', 'l'])],
      outputMetadata: [tensor('output', 'float32', ['batch', 'l', 896])],
    };
    expect(validateGraphContract('embed.onnx', GRAPH_CONTRACTS.embedTokens, graph).layers).toBe(0);
  });

  it('checks the estimator output name of the official export', () => {
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
      outputMetadata: [frames('output', 80)],
    };
    expect(() => validateGraphContract('est.onnx', GRAPH_CONTRACTS.flowEstimator, graph)).toThrow(
      "est.onnx: output 0 is named 'output', expected 'estimator_out'",
    );
  });
});
