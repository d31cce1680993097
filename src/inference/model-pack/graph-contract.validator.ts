import type { InferenceSession } from 'onnxruntime-node';
import { ModelPackError } from './model-pack.error.js';
import type { GraphContract, OutputContract, TensorContract } from './model-pack.manifest.js';

/** What a session reports about its inputs and outputs. */
export interface GraphMetadata {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
}

export interface ValidatedGraph {
  /** Number of layers of a graph with a layer cache (0 otherwise). */
  layers: number;
}

/**
 * Checks names, ranks, element types and fixed dimensions of every input and output against
 * the contract. Throws a ModelPackError naming the file, the tensor and expected vs actual.
 */
export function validateGraphContract(
  file: string,
  contract: GraphContract,
  graph: GraphMetadata,
): ValidatedGraph {
  const inputs = new Map(graph.inputMetadata.map((meta) => [meta.name, meta]));
  const inputList = graph.inputMetadata.map((meta) => meta.name).join(', ');
  const expected = new Set<string>();
  for (const spec of contract.inputs) {
    const meta = inputs.get(spec.name);
    if (meta === undefined) {
      throw new ModelPackError(
        `${file}: input '${spec.name}' is missing (graph inputs: ${inputList})`,
        file,
      );
    }
    checkTensor(file, `input '${spec.name}'`, spec, meta);
    expected.add(spec.name);
  }
  const layers = contract.layerCache ? countLayers(file, contract, inputs, expected) : 0;
  for (const meta of graph.inputMetadata) {
    if (!expected.has(meta.name)) {
      throw new ModelPackError(
        `${file}: unexpected input '${meta.name}' (expected inputs: ${[...expected].join(', ')})`,
        file,
      );
    }
  }
  const outputSpecs: OutputContract[] = [...contract.outputs];
  if (contract.layerCache) {
    const perLayer = contract.layerCache.outputsPerLayer;
    for (let index = 0; index < layers * perLayer; index++)
      outputSpecs.push(contract.layerCache.tensor);
  }
  if (graph.outputMetadata.length !== outputSpecs.length) {
    throw new ModelPackError(
      `${file}: has ${graph.outputMetadata.length} outputs, expected ${outputSpecs.length}`,
      file,
    );
  }
  outputSpecs.forEach((spec, index) => {
    const meta = graph.outputMetadata[index];
    if (spec.name !== undefined && spec.name !== meta.name) {
      throw new ModelPackError(
        `${file}: output ${index} is named '${meta.name}', expected '${spec.name}'`,
        file,
      );
    }
    checkTensor(file, `output ${index} ('${meta.name}')`, spec, meta);
  });
  return { layers };
}

function countLayers(
  file: string,
  contract: GraphContract,
  inputs: Map<string, InferenceSession.ValueMetadata>,
  expected: Set<string>,
): number {
  const cache = contract.layerCache!;
  const counts = cache.inputPrefixes.map((prefix) => {
    const pattern = new RegExp(`^${prefix}(\\d+)$`);
    const indices = [...inputs.keys()]
      .map((name) => pattern.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    indices.forEach((value, position) => {
      if (value !== position) {
        throw new ModelPackError(
          `${file}: input '${prefix}${position}' is missing (found ${indices.map((i) => prefix + i).join(', ')})`,
          file,
        );
      }
    });
    return indices.length;
  });
  const layers = counts[0];
  if (layers === 0) {
    throw new ModelPackError(`${file}: input '${cache.inputPrefixes[0]}0' is missing`, file);
  }
  cache.inputPrefixes.forEach((prefix, index) => {
    if (counts[index] !== layers) {
      throw new ModelPackError(
        `${file}: has ${counts[index]} ${prefix} inputs but ${layers} ${cache.inputPrefixes[0]} inputs`,
        file,
      );
    }
    for (let layer = 0; layer < layers; layer++) {
      const name = `${prefix}${layer}`;
      checkTensor(file, `input '${name}'`, cache.tensor, inputs.get(name)!);
      expected.add(name);
    }
  });
  return layers;
}

function checkTensor(
  file: string,
  what: string,
  spec: TensorContract,
  meta: InferenceSession.ValueMetadata,
): void {
  if (!meta.isTensor) throw new ModelPackError(`${file}: ${what} is not a tensor`, file);
  if (!(spec.types as readonly string[]).includes(meta.type)) {
    throw new ModelPackError(
      `${file}: ${what} has element type ${meta.type}, expected ${spec.types.join(' or ')}`,
      file,
    );
  }
  // An empty shape means the graph does not declare one; there is nothing to compare then.
  if (meta.shape.length === 0) return;
  if (meta.shape.length !== spec.rank) {
    throw new ModelPackError(
      `${file}: ${what} has rank ${meta.shape.length} [${meta.shape.join(', ')}], expected rank ${spec.rank}`,
      file,
    );
  }
  spec.dims?.forEach((dim, axis) => {
    const actual = meta.shape[axis];
    if (dim !== null && typeof actual === 'number' && actual !== dim) {
      throw new ModelPackError(
        `${file}: ${what} has dimension ${axis} = ${actual}, expected ${dim}`,
        file,
      );
    }
  });
}
