/**
 * A graph run that onnxruntime failed (`session.run` threw). The binding throws plain errors,
 * whatever the cause (a shape the graph refuses, a lost GPU device): this class says where the
 * error came from, with onnxruntime's message unchanged. On a GPU device the inference worker
 * treats it as a device failure: its device state is unknown afterwards, so the worker ends and
 * is replaced (see inference.worker.ts).
 */
export class GraphRunError extends Error {
  override readonly name = 'GraphRunError';

  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
