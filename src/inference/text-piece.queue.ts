/**
 * Text that arrives in pieces, as an async iterable the engine reads in order while it is fed:
 * a WebSocket task's `continue-task` pieces (pushed by its session), and the same pieces again
 * inside an engine worker (pushed from its messages).
 */
export class TextPieceQueue implements AsyncIterable<string> {
  private readonly pieces: string[] = [];
  private ended = false;
  private failure: { reason: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(text: string): void {
    if (this.ended) {
      throw new Error('text queue already ended');
    }
    this.pieces.push(text);
    this.notify();
  }

  /** No more text: the reader finishes after the pieces already queued. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Stops the reader at once: its pending or next read throws `reason`. */
  fail(reason: unknown): void {
    this.failure ??= { reason };
    this.ended = true;
    this.notify();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      if (this.failure) {
        throw this.failure.reason;
      }
      const piece = this.pieces.shift();
      if (piece !== undefined) {
        yield piece;
      } else if (this.ended) {
        return;
      } else {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
