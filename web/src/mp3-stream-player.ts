/**
 * Plays a streamed MP3 as its frames arrive, through Media Source Extensions (`audio/mpeg`) into
 * an audio element: the browser's own MP3 decoder keeps its state across chunks, so the frames
 * join without the gaps that decoding each chunk on its own would leave.
 */
export class Mp3StreamPlayer {
  private readonly source = new MediaSource();
  private readonly queue: Uint8Array[] = [];
  private buffer: SourceBuffer | undefined;
  private ended = false;
  private readonly url: string;

  static supported(): boolean {
    return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported('audio/mpeg');
  }

  constructor(private readonly audio: HTMLAudioElement) {
    this.url = URL.createObjectURL(this.source);
    this.source.addEventListener(
      'sourceopen',
      () => {
        this.buffer = this.source.addSourceBuffer('audio/mpeg');
        this.buffer.addEventListener('updateend', () => this.flush());
        this.flush();
      },
      { once: true },
    );
    audio.src = this.url;
    audio.play().catch(() => undefined);
  }

  push(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.flush();
  }

  /** No more chunks: the element plays to the end of what it has. */
  end(): void {
    this.ended = true;
    this.flush();
  }

  get playedSeconds(): number {
    return this.audio.currentTime;
  }

  get playing(): boolean {
    return !this.audio.paused && !this.audio.ended;
  }

  async stop(): Promise<void> {
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load();
    URL.revokeObjectURL(this.url);
  }

  private flush(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.source.readyState !== 'open') {
      return;
    }
    const next = this.queue.shift();
    if (next) {
      buffer.appendBuffer(new Uint8Array(next));
    } else if (this.ended) {
      this.source.endOfStream();
    }
  }
}
