/**
 * The text of one synthesis as it arrives from the main thread, piece by piece: an async
 * iterable that the engine reads while `push`, `end` and `fail` feed it.
 */
export class PushedTextSource implements AsyncIterable<string> {
  private readonly pieces: string[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  push(piece: string): void {
    this.pieces.push(piece);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The reader's pending or next read throws `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      if (this.failure) throw this.failure;
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
