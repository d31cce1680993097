import { joinAudio, readSpeechEvents } from '../../test/support/speech-clients.js';
import type { ServiceTarget } from './service-target.js';
import {
  receivedAudioSeconds,
  type SpeechClient,
  type SpeechSample,
  type SpeechSettings,
} from './speech-sample.js';
import type { BenchText } from './text-set.js';

/** POST /api/v1/audio/speech with `stream: true`, read as server-sent events. */
export class SseSpeechClient implements SpeechClient {
  constructor(
    private readonly target: ServiceTarget,
    private readonly settings: SpeechSettings,
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
      const response = await fetch(`${this.target.baseUrl}/api/v1/audio/speech`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${this.target.token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          model: 'CosyVoice2-0.5B',
          input: {
            mode: 'fast_replication',
            reference_audio_id: this.settings.voiceId,
            text: text.text,
          },
          output_format: this.settings.outputFormat,
          sample_rate: this.settings.sampleRate,
          seed: this.settings.seed,
          stream: true,
        }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      if (response.status !== 200) {
        return failed(`HTTP ${response.status}: ${await response.text()}`);
      }
      const events = await readSpeechEvents(response, (event) => {
        if (Number.isNaN(firstAudioMs) && event.output.audio.data.length > 0) {
          firstAudioMs = performance.now() - started;
        }
      });
      const totalMs = performance.now() - started;
      const last = events.at(-1);
      if (last?.error) return failed(`${last.error.code}: ${last.error.message}`);
      if (last?.output.finish_reason !== 'stop') return failed('the stream ended without "stop"');
      const audioSeconds = await receivedAudioSeconds(
        joinAudio(events),
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
