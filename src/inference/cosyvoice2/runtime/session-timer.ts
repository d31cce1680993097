import type { InferenceSession } from 'onnxruntime-node';

/** Runs ONNX sessions and adds up the wall time spent inside `session.run`. */
export class SessionTimer {
  private elapsedSeconds = 0;

  async run(
    session: InferenceSession,
    feeds: InferenceSession.FeedsType,
  ): Promise<InferenceSession.ReturnType> {
    const started = process.hrtime.bigint();
    try {
      return await session.run(feeds);
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
}
