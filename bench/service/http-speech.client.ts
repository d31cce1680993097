import type { ServiceTarget } from './service-target.js';
import {
  receivedAudioSeconds,
  type SpeechClient,
  type SpeechSample,
  type SpeechSettings,
} from './speech-sample.js';
import type { BenchText } from './text-set.js';

/** One HTTP speech route: what a request sends and how its answer yields the audio. */
export interface HttpSpeechRoute {
  path: string;
  body(text: BenchText, settings: SpeechSettings): object;
  /**
   * The audio of a 200 answer, read as it arrives; calls `firstAudio` when the first audio is
   * there. Throws an Error whose message says why when the answer reports a failure.
   */
  audio(response: Response, firstAudio: () => void): Promise<Buffer>;
}

/**
 * Times one POST per text: TTFA at the first audio, total at the end of the answer, audio
 * seconds decoded from everything received.
 */
export class HttpSpeechClient implements SpeechClient {
  constructor(
    private readonly target: ServiceTarget,
    private readonly settings: SpeechSettings,
    private readonly route: HttpSpeechRoute,
  ) {}

  async synthesize(text: BenchText): Promise<SpeechSample> {
    const started = performance.now();
    const failed = (error: string): SpeechSample => ({
      ok: false,
      textId: text.id,
      totalMs: performance.now() - started,
      error,
    });
    let firstAudioMs = Number.NaN;
    try {
      const response = await fetch(`${this.target.baseUrl}${this.route.path}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${this.target.token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(this.route.body(text, this.settings)),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      if (response.status !== 200) {
        return failed(`HTTP ${response.status}: ${await response.text()}`);
      }
      const audio = await this.route.audio(response, () => {
        if (Number.isNaN(firstAudioMs)) firstAudioMs = performance.now() - started;
      });
      const totalMs = performance.now() - started;
      const audioSeconds = await receivedAudioSeconds(
        audio,
        this.settings.outputFormat,
        this.settings.sampleRate,
      );
      if (audioSeconds === 0) return failed('no audio received');
      return { ok: true, textId: text.id, firstAudioMs, totalMs, audioSeconds };
    } catch (error) {
      return failed(error instanceof Error ? error.message : String(error));
    }
  }

  /** Nothing to release: fetch keeps its connection pool. */
  close(): void {}
}
