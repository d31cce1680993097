import type { InferenceSession } from 'onnxruntime-node';

/** One line per input and output of a graph: name, element type and declared shape. */
export function describeGraphIo(session: InferenceSession): string[] {
  const line = (kind: string, meta: InferenceSession.ValueMetadata): string => {
    if (!meta.isTensor) return `${kind} ${meta.name}: not a tensor`;
    const shape = meta.shape.length === 0 ? 'shape not declared' : `[${meta.shape.join(', ')}]`;
    return `${kind} ${meta.name}: ${meta.type} ${shape}`;
  };
  return [
    ...session.inputMetadata.map((meta) => line('in ', meta)),
    ...session.outputMetadata.map((meta) => line('out', meta)),
  ];
}
