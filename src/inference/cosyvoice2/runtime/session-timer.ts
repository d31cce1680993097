import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { runUnlessDrilled } from './gpu-device-loss.drill.js';
import { GraphRunError } from './graph-run.error.js';

/** Bytes a run took from and gave back to JavaScript memory. */
export interface HostTransfer {
  /** Bytes of the CPU tensors fed (on a GPU device: uploaded). */
  fedBytes: number;
  /** Bytes of the outputs returned on the CPU (on a GPU device: downloaded). */
  returnedBytes: number;
}

function hostBytes(tensors: Iterable<Tensor>): number {
  let bytes = 0;
  for (const tensor of tensors) {
    if (tensor.location === 'cpu' || tensor.location === 'cpu-pinned') {
      bytes += (tensor.data as ArrayBufferView).byteLength;
    }
  }
  return bytes;
}

/**
 * The one way the engine runs a graph: `session.run`, adding up the wall time spent inside it
 * and the bytes that went in from and came back to JavaScript memory. On the CPU device those
 * bytes are what a GPU device without device-resident outputs would move across the bus; on
 * WebGPU, tensors left on the device (`gpu-buffer`) do not count. A failed run throws
 * GraphRunError.
 */
export class SessionTimer {
  private elapsedSeconds = 0;
  private readonly transfer: HostTransfer = { fedBytes: 0, returnedBytes: 0 };

  async run(
    session: InferenceSession,
    feeds: InferenceSession.FeedsType,
  ): Promise<InferenceSession.ReturnType> {
    const started = process.hrtime.bigint();
    try {
      this.transfer.fedBytes += hostBytes(Object.values(feeds));
      const outputs = await runUnlessDrilled(() => session.run(feeds)).catch((error: unknown) => {
        throw new GraphRunError(error);
      });
      this.transfer.returnedBytes += hostBytes(Object.values(outputs));
      return outputs;
    } finally {
      this.elapsedSeconds += Number(process.hrtime.bigint() - started) / 1e9;
    }
  }

  /** Seconds spent in sessions since the last call (or since creation). */
  takeSeconds(): number {
    const seconds = this.elapsedSeconds;
    this.elapsedSeconds = 0;
    return seconds;
  }

  /** Bytes fed and returned since creation. */
  hostTransfer(): HostTransfer {
    return { ...this.transfer };
  }
}
