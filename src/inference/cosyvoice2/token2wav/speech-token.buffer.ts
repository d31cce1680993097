/**
 * Speech tokens shared between the LLM (producer) and streamed token2wav (consumer) of one
 * segment, so the LLM keeps generating while earlier chunks go through the flow and HiFT, as
 * the official LLM thread does.
 */
export class SpeechTokenBuffer {
  readonly tokens: number[] = [];
  private finished = false;
  private failure: { error: unknown } | undefined;
  private waiters: (() => void)[] = [];

  push(token: number): void {
    this.tokens.push(token);
    this.wake();
  }

  /** Generation ended normally. */
  finish(): void {
    this.finished = true;
    this.wake();
  }

  /** Generation ended with an error; the consumer receives it from `isFinished`. */
  fail(error: unknown): void {
    this.failure = { error };
    this.wake();
  }

  /** True once generation ended normally; throws the producer's error if it failed. */
  isFinished(): boolean {
    if (this.failure) throw this.failure.error;
    return this.finished;
  }

  /** Resolves at the next token, end or failure. */
  changed(): Promise<void> {
    if (this.finished || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Pushes every token of `tokens`, then finishes (or fails with its error); never rejects. */
  async fill(tokens: AsyncIterable<number>): Promise<void> {
    try {
      for await (const token of tokens) this.push(token);
      this.finish();
    } catch (error) {
      this.fail(error);
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
