import type { InferenceSession } from 'onnxruntime-node';
import { ModelPackError } from './model-pack.error.js';
import type {
  GraphContract,
  OutputContract,
  ShapePattern,
  TensorContract,
} from './model-pack.manifest.js';

/** What a session reports about its inputs and outputs. */
export interface GraphMetadata {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
}

export interface ValidatedGraph {
  /** Number of layers of a graph with a layer cache (0 otherwise). */
  layers: number;
  /** Outputs after the ones the engine uses, which it ignores. */
  extraOutputs: string[];
}

/**
 * Checks a graph the way the engine uses it (as the ailia-models pipeline does): every input it
 * feeds by name, and no other; its outputs by position, extra outputs after them accepted; element
 * types and declared shapes against what the engine can use. Throws a ModelPackError naming the
 * file, what it declares and what the engine needs.
 */
export function validateGraphContract(
  file: string,
  contract: GraphContract,
  graph: GraphMetadata,
): ValidatedGraph {
  const inputs = new Map(graph.inputMetadata.map((meta) => [meta.name, meta]));
  const declaredInputs = graph.inputMetadata.map((meta) => meta.name).join(', ');
  const fed = new Set<string>();
  for (const spec of contract.inputs) {
    const meta = inputs.get(spec.name);
    if (meta === undefined) {
      throw new ModelPackError(
        `${file}: the engine feeds input '${spec.name}', which the graph does not declare (it declares: ${declaredInputs})`,
        file,
      );
    }
    checkTensor(file, `input '${spec.name}'`, spec, meta);
    fed.add(spec.name);
  }
  const layers = contract.layerCache ? countLayers(file, contract, inputs, fed) : 0;
  for (const meta of graph.inputMetadata) {
    if (!fed.has(meta.name)) {
      throw new ModelPackError(
        `${file}: declares input '${meta.name}', which the engine does not feed (it feeds: ${[...fed].join(', ')})`,
        file,
      );
    }
  }
  const used: OutputContract[] = [...contract.outputs];
  if (contract.layerCache) {
    const { tensor, inputPrefixes, outputsPerLayer } = contract.layerCache;
    for (let layer = 0; layer < layers; layer++) {
      for (let index = 0; index < outputsPerLayer; index++) {
        used.push({ ...tensor, role: `${inputPrefixes[index]}${layer} of the next step` });
      }
    }
  }
  if (graph.outputMetadata.length < used.length) {
    const declared = graph.outputMetadata.map((meta) => meta.name).join(', ');
    throw new ModelPackError(
      `${file}: declares ${graph.outputMetadata.length} outputs (${declared}); the engine takes ` +
        `${used.length} by position: ${describeRoles(used)}`,
      file,
    );
  }
  used.forEach((spec, index) => {
    const meta = graph.outputMetadata[index];
    checkTensor(file, `output ${index} '${meta.name}' (${spec.role})`, spec, meta);
  });
  const extraOutputs = graph.outputMetadata.slice(used.length).map((meta) => meta.name);
  return { layers, extraOutputs };
}

function describeRoles(outputs: readonly OutputContract[]): string {
  if (outputs.length <= 6) return outputs.map((output) => output.role).join(', ');
  return `${outputs[0].role}, then the key and value cache of each layer`;
}

function countLayers(
  file: string,
  contract: GraphContract,
  inputs: Map<string, InferenceSession.ValueMetadata>,
  fed: Set<string>,
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
          `${file}: declares ${indices.map((i) => prefix + i).join(', ')}; the engine needs ` +
            `${prefix}0 to ${prefix}${indices[indices.length - 1]} without gaps ('${prefix}${position}' is missing)`,
          file,
        );
      }
    });
    return indices.length;
  });
  const layers = counts[0];
  if (layers === 0) {
    throw new ModelPackError(
      `${file}: declares no '${cache.inputPrefixes[0]}0' input; the engine needs one ` +
        `${cache.inputPrefixes.join('/')} input pair per layer`,
      file,
    );
  }
  cache.inputPrefixes.forEach((prefix, index) => {
    if (counts[index] !== layers) {
      throw new ModelPackError(
        `${file}: declares ${counts[index]} ${prefix} inputs and ${layers} ${cache.inputPrefixes[0]} inputs; ` +
          'the engine needs one of each per layer',
        file,
      );
    }
    for (let layer = 0; layer < layers; layer++) {
      const name = `${prefix}${layer}`;
      checkTensor(file, `input '${name}'`, cache.tensor, inputs.get(name)!);
      fed.add(name);
    }
  });
  return layers;
}

function formatPattern(pattern: ShapePattern): string {
  return `[${pattern.map((dim) => dim ?? 'any').join(', ')}]`;
}

function matches(pattern: ShapePattern, shape: readonly (number | string)[]): boolean {
  return (
    pattern.length === shape.length &&
    pattern.every(
      (dim, axis) => dim === null || typeof shape[axis] !== 'number' || shape[axis] === dim,
    )
  );
}

function checkTensor(
  file: string,
  what: string,
  spec: TensorContract,
  meta: InferenceSession.ValueMetadata,
): void {
  const needs = spec.shapes.map(formatPattern).join(' or ');
  if (!meta.isTensor) {
    throw new ModelPackError(
      `${file}: ${what} is not a tensor; the engine needs a tensor ${needs}`,
      file,
    );
  }
  if (!(spec.types as readonly string[]).includes(meta.type)) {
    throw new ModelPackError(
      `${file}: ${what} is declared ${meta.type}; the engine needs ${spec.types.join(' or ')}`,
      file,
    );
  }
  // An empty shape means the graph does not declare one; there is nothing to compare then.
  if (meta.shape.length === 0) return;
  if (!spec.shapes.some((pattern) => matches(pattern, meta.shape))) {
    throw new ModelPackError(
      `${file}: ${what} is declared [${meta.shape.join(', ')}]; the engine needs ${needs}`,
      file,
    );
  }
}
