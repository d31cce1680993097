import { SynthesisClosedError } from './synthesis-closed.error.js';
import type { EncodedAudioChunk } from './synthesis-request.js';

/**
 * One open synthesis, as SynthesisService.open returns it. It holds its limiter slot (text in
 * pieces takes it at the first piece) until `close`. Read `chunks` once, to the end or not, then
 * call `close()`: always, after a failure too. Closing stops the engine if it still runs, waits
 * until it has stopped and only then frees the slot, so an aborted run never overlaps the next
 * one on the device.
 */
export class SynthesisHandle {
  private closing: Promise<void> | undefined;

  constructor(
    /** The encoded audio in order; all of it concatenated is one valid file. */
    readonly chunks: AsyncGenerator<EncodedAudioChunk, void, undefined>,
    private readonly stop: AbortController,
    /** Frees the slot and records the outcome; called once, after the run has stopped. */
    private readonly finish: () => void,
  ) {}

  /** Stops the synthesis if it still runs; resolves once it has stopped and its slot is free. */
  close(): Promise<void> {
    this.closing ??= this.stopThenFinish();
    return this.closing;
  }

  private async stopThenFinish(): Promise<void> {
    this.stop.abort(new SynthesisClosedError());
    try {
      // waits for a read in progress to settle, then for the engine's run to end
      await this.chunks.return(undefined);
    } finally {
      this.finish();
    }
  }
}
