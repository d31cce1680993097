import type { ServiceTarget } from './service-target.js';
import {
  receivedAudioSeconds,
  type SpeechClient,
  type SpeechSample,
  type SpeechSettings,
} from './speech-sample.js';
import type { BenchText } from './text-set.js';

/**
 * POST /v1/audio/speech (the OpenAI-compatible API) with `stream_format: "audio"`, the body read
 * chunk by chunk as it arrives; the first audio is the first chunk. The API always answers at
 * 24 kHz, so `sampleRate` must be 24000.
 */
export class OpenAiSpeechClient implements SpeechClient {
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
      const response = await fetch(`${this.target.baseUrl}/v1/audio/speech`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${this.target.token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          model: 'tts-1',
          voice: this.settings.voiceId,
          input: text.text,
          response_format: this.settings.outputFormat,
          stream_format: 'audio',
          seed: this.settings.seed,
        }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      if (response.status !== 200) {
        return failed(`HTTP ${response.status}: ${await response.text()}`);
      }
      const chunks: Buffer[] = [];
      const reader = response.body!.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        if (Number.isNaN(firstAudioMs) && next.value.length > 0) {
          firstAudioMs = performance.now() - started;
        }
        chunks.push(Buffer.from(next.value));
      }
      const totalMs = performance.now() - started;
      const audioSeconds = await receivedAudioSeconds(
        Buffer.concat(chunks),
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
