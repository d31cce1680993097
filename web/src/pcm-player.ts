/** How far ahead of "now" the first chunk (and any chunk after an underrun) is scheduled. */
const START_LEAD_SECONDS = 0.08;

interface Segment {
  start: number;
  end: number;
}

/**
 * Plays mono samples chunk by chunk with the Web Audio API: each chunk is an AudioBuffer started
 * exactly where the previous one ends, so the chunks join without a gap. A chunk that arrives
 * after the previous one has finished playing (an underrun) starts a moment later.
 */
export class PcmPlayer {
  private nextStart = 0;
  private readonly segments: Segment[] = [];
  private readonly sources = new Set<AudioBufferSourceNode>();

  constructor(private readonly context: AudioContext) {}

  get sampleRate(): number {
    return this.context.sampleRate;
  }

  /** Schedules the chunk right after the audio already scheduled. */
  push(samples: Float32Array, sampleRate: number): void {
    if (samples.length === 0) {
      return;
    }
    const buffer = this.context.createBuffer(1, samples.length, sampleRate);
    buffer.copyToChannel(new Float32Array(samples), 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    const start = this.nextStart > now ? this.nextStart : now + START_LEAD_SECONDS;
    source.start(start);
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
    const last = this.segments.at(-1);
    if (last && last.end === start) {
      last.end = start + buffer.duration;
    } else {
      this.segments.push({ start, end: start + buffer.duration });
    }
    this.nextStart = start + buffer.duration;
  }

  /** Seconds of audio heard so far. */
  get playedSeconds(): number {
    const now = this.context.currentTime;
    return this.segments.reduce(
      (sum, { start, end }) => sum + Math.min(Math.max(now - start, 0), end - start),
      0,
    );
  }

  /** Seconds scheduled in all. */
  get scheduledSeconds(): number {
    return this.segments.reduce((sum, { start, end }) => sum + end - start, 0);
  }

  /** True while scheduled audio is still to be heard. */
  get playing(): boolean {
    return this.sources.size > 0;
  }

  /** Silences everything scheduled and frees the audio device. */
  async stop(): Promise<void> {
    for (const source of this.sources) {
      source.stop();
    }
    this.sources.clear();
    if (this.context.state !== 'closed') {
      await this.context.close();
    }
  }
}
