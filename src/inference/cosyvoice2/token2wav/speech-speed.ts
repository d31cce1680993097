/**
 * How many mel frames each streamed chunk keeps after a speed change, so that the chunks add up
 * to exactly the frame count of the whole-utterance path, floor(total / speed).
 */
export class StreamingSpeedFrames {
  private producedFrames = 0;
  private emittedFrames = 0;

  constructor(private readonly speed: number) {
    if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
  }

  /** Frames that a chunk of `frames` new mel frames becomes. */
  framesFor(frames: number): number {
    this.producedFrames += frames;
    const target = Math.floor(this.producedFrames / this.speed);
    const chunkFrames = target - this.emittedFrames;
    this.emittedFrames = target;
    return chunkFrames;
  }
}
