import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { SynthesizeIn, SynthesizeOut } from '../inference/grpc/engine-proto.js';
import { bytesOf, failedToWire, requestFromWire } from '../inference/grpc/engine-wire.js';
import { TextPieceQueue } from '../inference/text-piece.queue.js';
import type { InferenceWorkerPool } from '../inference/worker/inference-worker.pool.js';
import { RUN_AHEAD_CHUNKS } from '../inference/worker/inference-worker.protocol.js';
import type { RemoteSynthesis } from '../inference/worker/remote-synthesis.js';

export type SynthesisCall = ServerDuplexStream<SynthesizeIn, SynthesizeOut>;

/**
 * One synthesis on an engine node, from its `request` message to its one `done` or `failed`:
 * runs it on the node's worker pool, sends each chunk no sooner than the client's credit allows
 * (RUN_AHEAD_CHUNKS before any credit, one more per credit), and stops the run when the client
 * aborts, cancels the call or its connection ends. Resolves once nothing of it runs any more.
 */
export class NodeSynthesisCall {
  private readonly controller = new AbortController();
  private readonly pieces = new TextPieceQueue();
  private credit = RUN_AHEAD_CHUNKS;
  private wake: (() => void) | undefined;
  private requestReceived: ((message: SynthesizeIn) => void) | undefined;
  /** The call's first message (its request), or the reason the call ended before it. */
  private readonly first: Promise<SynthesizeIn>;

  constructor(
    private readonly call: SynthesisCall,
    private readonly pool: InferenceWorkerPool,
  ) {
    this.first = new Promise((resolve, reject) => {
      this.requestReceived = resolve;
      this.controller.signal.addEventListener(
        'abort',
        () => reject(this.controller.signal.reason),
        {
          once: true,
        },
      );
    });
    this.first.catch(() => undefined);
    call.on('data', (message: SynthesizeIn) => this.receive(message));
    call.on('cancelled', () => this.abort());
    call.on('error', () => this.abort());
  }

  async run(): Promise<void> {
    const { signal } = this.controller;
    let synthesis: RemoteSynthesis | undefined;
    try {
      const first = await this.first;
      if (first.message !== 'request') {
        throw new Error(
          `the first message of a synthesis must be its request, not ${first.message}`,
        );
      }
      synthesis = this.pool.synthesize(requestFromWire(first.request, this.pieces, signal));
      for (;;) {
        await this.creditAvailable();
        const chunk = await synthesis.next();
        if (!chunk) break;
        this.credit--;
        await this.write({
          message: 'chunk',
          chunk: { samples: bytesOf(chunk.samples), modelSeconds: chunk.modelSeconds },
        });
      }
      await this.write({ message: 'done', done: {} });
    } catch (error) {
      if (!signal.aborted) {
        await this.write({ message: 'failed', failed: failedToWire(error) });
      }
    } finally {
      await synthesis?.stop();
      this.end();
    }
  }

  private receive(message: SynthesizeIn): void {
    const received = this.requestReceived;
    if (received) {
      this.requestReceived = undefined;
      received(message);
      return;
    }
    switch (message.message) {
      case 'textPiece':
        if (!this.pieces.isEnded) this.pieces.push(message.textPiece);
        return;
      case 'textEnd':
        this.pieces.end();
        return;
      case 'textError':
        this.pieces.fail(new Error(message.textError));
        return;
      case 'credit':
        this.credit += message.credit;
        this.notify();
        return;
      case 'abort':
        this.abort();
        return;
      case 'request':
        return;
    }
  }

  private abort(): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(new Error('the client ended the synthesis'));
    this.pieces.fail(this.controller.signal.reason);
    this.notify();
  }

  private async creditAvailable(): Promise<void> {
    const { signal } = this.controller;
    while (this.credit <= 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    signal.throwIfAborted();
  }

  /** Writes one message; waits while the transport's buffer is full (or the call has ended). */
  private async write(message: SynthesizeOut): Promise<void> {
    if (this.controller.signal.aborted || this.call.writableEnded) return;
    if (this.call.write(message)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.call.off('drain', done);
        this.controller.signal.removeEventListener('abort', done);
        resolve();
      };
      this.call.on('drain', done);
      this.controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  private end(): void {
    if (!this.call.writableEnded && !this.call.cancelled) this.call.end();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
