import { type ClientDuplexStream, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import type { SynthesizeIn, SynthesizeOut } from '../grpc/engine-proto.js';
import { errorFromWire, float32Of, requestToWire } from '../grpc/engine-wire.js';
import { EngineFailedError } from '../inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../inference.types.js';
import type { EngineNodeClient } from './engine-node.client.js';
import type { TextReplay } from './text-replay.js';

/**
 * A failure of a synthesis on one node before its first audio that another node may not have:
 * the node refused the call (busy, draining, not loaded), could not be reached, broke the call
 * off, or its worker died.
 */
export class NodeRefusedError extends Error {
  override name = 'NodeRefusedError';

  /** `full`: the node had no free slot (it may have one again at its next report). */
  constructor(
    message: string,
    readonly full = false,
  ) {
    super(message);
  }
}

/**
 * One synthesis on one engine node (one Synthesize call): sends the request, the text pieces and
 * one chunk of credit for each chunk the consumer takes; `next()` gives the chunks in order. A
 * call that breaks before its first chunk fails with NodeRefusedError (the provider tries
 * another node); after it, with EngineFailedError. `stop()` cancels the call if it still runs.
 */
export class RemoteEngineCall {
  private readonly call: ClientDuplexStream<SynthesizeIn, SynthesizeOut>;
  private readonly chunks: SpeechChunk[] = [];
  private readonly stopText = new AbortController();
  private received = 0;
  private finished = false;
  private failure: { error: unknown } | undefined;
  private textFailure: { error: unknown } | undefined;
  private wakeReader: (() => void) | undefined;

  constructor(
    private readonly node: EngineNodeClient,
    input: SynthesisInput,
    text: TextReplay | undefined,
  ) {
    const synthesize = node.client.Synthesize as (
      metadata: ReturnType<EngineNodeClient['metadata']>,
    ) => ClientDuplexStream<SynthesizeIn, SynthesizeOut>;
    this.call = synthesize.call(node.client, node.metadata());
    this.call.on('data', (message: SynthesizeOut) => this.receive(message));
    this.call.on('error', (error: ServiceError) => this.broken(error));
    this.call.on('end', () => this.broken(undefined));
    this.call.write({ message: 'request', request: requestToWire(input) });
    if (text) void this.forwardText(text);
  }

  /** Whether audio of this call has reached the API service. */
  get started(): boolean {
    return this.received > 0;
  }

  async next(): Promise<SpeechChunk | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        this.node.chunksBuffered--;
        if (!this.finished) this.call.write({ message: 'credit', credit: 1 });
        return chunk;
      }
      if (this.failure) throw this.failure.error;
      if (this.finished) return undefined;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }

  /**
   * Cancels the call if it still runs (the node stops the run and frees its slot) and drops the
   * chunks nobody took.
   */
  stop(): void {
    this.node.chunksBuffered -= this.chunks.length;
    this.chunks.length = 0;
    this.stopText.abort();
    if (this.finished) return;
    this.finish({ error: new Error('synthesis stopped') });
    this.call.cancel();
  }

  private receive(message: SynthesizeOut): void {
    switch (message.message) {
      case 'chunk':
        this.received++;
        this.node.chunksBuffered++;
        this.chunks.push({
          samples: float32Of(message.chunk.samples),
          modelSeconds: message.chunk.modelSeconds,
        });
        break;
      case 'done':
        this.finish(undefined);
        break;
      case 'failed': {
        const { kind } = message.failed;
        const retryable =
          !this.started && (kind === 'ENGINE_FAILED' || kind === 'MODEL_NOT_LOADED');
        this.finish(
          this.textFailure ?? {
            error: retryable
              ? new NodeRefusedError(message.failed.message)
              : errorFromWire(message.failed),
          },
        );
        break;
      }
    }
    this.wake();
  }

  /** The call ended without `done` or `failed`: refused, cancelled, or its connection broke. */
  private broken(error: ServiceError | undefined): void {
    if (this.finished) return;
    const reason = error
      ? `${GrpcStatus[error.code] ?? error.code}: ${error.details || error.message}`
      : 'the call ended without a result';
    this.finish({
      error: this.started
        ? new EngineFailedError(
            `the engine node ${this.node.address} running this request failed (${reason}); ` +
              'retry the request',
          )
        : new NodeRefusedError(
            `engine node ${this.node.address}: ${reason}`,
            error?.code === GrpcStatus.RESOURCE_EXHAUSTED,
          ),
    });
    this.wake();
  }

  private finish(failure: { error: unknown } | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = failure;
    this.stopText.abort();
  }

  private async forwardText(text: TextReplay): Promise<void> {
    try {
      for await (const piece of text.replay(this.stopText.signal)) {
        this.call.write({ message: 'textPiece', textPiece: piece });
      }
      this.call.write({ message: 'textEnd', textEnd: {} });
    } catch (error) {
      if (this.stopText.signal.aborted) return;
      this.textFailure = { error };
      const message = error instanceof Error ? error.message : String(error);
      this.call.write({ message: 'textError', textError: message });
    }
  }

  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }
}
