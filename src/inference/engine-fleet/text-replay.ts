import { abortable } from '../cosyvoice2/text/abortable-iterable.js';

/**
 * Text that arrives in pieces, read once from its source and kept, so a synthesis that has to
 * move to another engine node before its first audio can send the new node every piece again.
 */
export class TextReplay {
  private readonly pieces: string[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(source: AsyncIterable<string>, signal: AbortSignal | undefined) {
    void this.read(source, signal);
  }

  /** Every piece from the first, then each new one as it arrives; throws what the source threw. */
  async *replay(signal: AbortSignal): AsyncGenerator<string> {
    for (let index = 0; ; index++) {
      while (index >= this.pieces.length && !this.ended) {
        signal.throwIfAborted();
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            this.waiting.delete(wake);
            signal.removeEventListener('abort', wake);
            resolve();
          };
          this.waiting.add(wake);
          signal.addEventListener('abort', wake, { once: true });
        });
      }
      signal.throwIfAborted();
      if (index < this.pieces.length) {
        yield this.pieces[index];
      } else if (this.failure) {
        throw this.failure.error;
      } else {
        return;
      }
    }
  }

  private async read(
    source: AsyncIterable<string>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      const pieces = signal ? abortable(source, signal) : source;
      for await (const piece of pieces) {
        this.pieces.push(piece);
        this.notify();
      }
    } catch (error) {
      this.failure = { error };
    }
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    for (const wake of [...this.waiting]) wake();
  }
}
