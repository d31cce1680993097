import type { InferenceProvider } from '../inference.provider.js';
import {
  RUN_AHEAD_CHUNKS,
  type WorkerSynthesisInput,
  type WorkerToMainMessage,
} from './inference-worker.protocol.js';
import { TextPieceQueue } from '../text-piece.queue.js';
import { toWorkerError } from './worker-error.kind.js';

/** Posts a message to the main thread, moving the buffers of `transfer`. */
export type PostToMain = (message: WorkerToMainMessage, transfer?: ArrayBuffer[]) => void;

/**
 * One synthesis inside a worker: runs the engine, sends each chunk as soon as it exists (its
 * buffer moved to the main thread) but never more than the credit the main thread gave, and
 * stops at `abort` (the engine checks its signal between session runs). Ends with exactly one
 * `done` or `failed` message, sent once the engine has stopped.
 */
export class WorkerSynthesisRun {
  private readonly controller = new AbortController();
  private readonly text: TextPieceQueue | undefined;
  private credit = RUN_AHEAD_CHUNKS;
  private wakeOnCredit: (() => void) | undefined;

  constructor(
    private readonly id: number,
    private readonly input: WorkerSynthesisInput,
    private readonly engine: InferenceProvider,
    private readonly post: PostToMain,
    /** Called with the engine's error before the failure is answered (it may end the thread). */
    private readonly beforeFailure: (error: unknown) => void = () => undefined,
  ) {
    this.text = input.text === null ? new TextPieceQueue() : undefined;
  }

  /** The text source of a request whose text arrives in pieces. */
  get pieces(): TextPieceQueue | undefined {
    return this.text;
  }

  grant(chunks: number): void {
    this.credit += chunks;
    this.wake();
  }

  abort(): void {
    this.controller.abort(new Error('synthesis aborted by the main thread'));
    this.wake();
  }

  async run(): Promise<void> {
    const { signal } = this.controller;
    try {
      const chunks = this.engine.synthesize({
        ...this.input,
        text: this.input.text ?? (this.text as TextPieceQueue),
        signal,
      });
      const iterator = chunks[Symbol.asyncIterator]();
      try {
        for (;;) {
          await this.creditAvailable();
          const next = await iterator.next();
          if (next.done) break;
          const samples = ownBuffer(next.value.samples);
          this.credit--;
          this.post(
            { type: 'chunk', id: this.id, samples, modelSeconds: next.value.modelSeconds },
            [samples.buffer as ArrayBuffer],
          );
        }
      } finally {
        await iterator.return?.();
      }
      this.post({ type: 'done', id: this.id });
    } catch (error) {
      if (!signal.aborted) this.beforeFailure(error);
      this.post({ type: 'failed', id: this.id, error: toWorkerError(error, signal.aborted) });
    }
  }

  private async creditAvailable(): Promise<void> {
    const { signal } = this.controller;
    while (this.credit <= 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.wakeOnCredit = resolve;
      });
    }
    signal.throwIfAborted();
  }

  private wake(): void {
    const wake = this.wakeOnCredit;
    this.wakeOnCredit = undefined;
    wake?.();
  }
}

/** `samples` over a buffer of its own, so moving that buffer moves nothing else. */
function ownBuffer(samples: Float32Array): Float32Array {
  const whole = samples.byteOffset === 0 && samples.byteLength === samples.buffer.byteLength;
  return whole ? samples : samples.slice();
}
