import type { SpeechChunk, SynthesisInput } from '../inference.types.js';
import { abortable } from '../cosyvoice2/text/abortable-iterable.js';
import type { MainToWorkerMessage, WorkerToMainMessage } from './inference-worker.protocol.js';
import { fromWorkerError } from './worker-error.kind.js';

/** What a synthesis request needs from the worker thread that runs it. */
export interface SynthesisChannel {
  post(message: MainToWorkerMessage): void;
  /** Called once the worker has stopped running this synthesis. */
  ended(): void;
}

/**
 * The main thread's side of one synthesis running in a worker: takes the worker's chunks in
 * order, gives one chunk of credit back for each chunk the consumer takes, forwards text that
 * arrives in pieces, and tells the worker to abort when the request's signal aborts or the
 * consumer stops early. `stop()` resolves only once the worker has stopped.
 */
export class RemoteSynthesis {
  private readonly chunks: SpeechChunk[] = [];
  private finished = false;
  private failure: { error: unknown } | undefined;
  /** What the request's text source threw: the run fails with this very error. */
  private textFailure: { error: unknown } | undefined;
  private wakeReader: (() => void) | undefined;
  private readonly stopped: Promise<void>;
  private markStopped: () => void = () => undefined;
  private readonly stopText = new AbortController();
  private readonly onAbort = (): void => this.abort();

  constructor(
    private readonly id: number,
    private readonly input: SynthesisInput,
    private readonly channel: SynthesisChannel,
  ) {
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve;
    });
  }

  start(): void {
    const { signal, text, ...request } = this.input;
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.channel.post({
      type: 'synthesize',
      id: this.id,
      input: { ...request, text: typeof text === 'string' ? text : null },
    });
    if (typeof text !== 'string') void this.forwardText(text);
    if (signal?.aborted) this.abort();
  }

  /** The next chunk, or undefined at the end; throws what failed the run. */
  async next(): Promise<SpeechChunk | undefined> {
    for (;;) {
      this.input.signal?.throwIfAborted();
      const chunk = this.chunks.shift();
      if (chunk) {
        this.channel.post({ type: 'credit', id: this.id, chunks: 1 });
        return chunk;
      }
      if (this.failure) throw this.failure.error;
      if (this.finished) return undefined;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }

  /** Aborts the run if it still goes on, and resolves once the worker has stopped it. */
  async stop(): Promise<void> {
    if (!this.finished) this.abort();
    await this.stopped;
  }

  /** A message of the worker about this synthesis. */
  receive(message: WorkerToMainMessage): void {
    switch (message.type) {
      case 'chunk':
        this.chunks.push({ samples: message.samples, modelSeconds: message.modelSeconds });
        break;
      case 'done':
        this.end();
        break;
      case 'failed':
        this.end(this.textFailure ?? { error: fromWorkerError(message.error) });
        break;
      default:
        return;
    }
    this.wake();
  }

  /** The worker thread died: the run fails with `error` and nothing of it runs any more. */
  fail(error: Error): void {
    this.end({ error });
    this.wake();
  }

  private abort(): void {
    if (this.finished) return;
    this.stopText.abort();
    this.channel.post({ type: 'abort', id: this.id });
    this.wake();
  }

  private end(failure?: { error: unknown }): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = failure;
    this.stopText.abort();
    this.input.signal?.removeEventListener('abort', this.onAbort);
    this.markStopped();
    this.channel.ended();
  }

  private async forwardText(text: AsyncIterable<string>): Promise<void> {
    try {
      for await (const piece of abortable(text, this.stopText.signal)) {
        this.channel.post({ type: 'text-piece', id: this.id, piece });
      }
      this.channel.post({ type: 'text-end', id: this.id });
    } catch (error) {
      if (this.stopText.signal.aborted) return;
      this.textFailure = { error };
      const message = error instanceof Error ? error.message : String(error);
      this.channel.post({ type: 'text-error', id: this.id, message });
    }
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }
}
