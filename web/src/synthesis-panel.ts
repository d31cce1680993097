import { ApiFailure, type ApiClient, type SpeechParameters, type Voice } from './api-client.js';
import { element, errorText, seconds } from './dom.js';
import { t } from './i18n.js';
import { Mp3StreamPlayer } from './mp3-stream-player.js';
import { PcmPlayer } from './pcm-player.js';
import { concat, PcmStreamReader } from './pcm-stream.js';
import { runSpeechTask, type SpeechTask } from './speech-task.js';
import { pcm16ToFloat, withExactWavLengths, wrapPcm16 } from './wav.js';
import { drawWaveform } from './waveform.js';

type Format = SpeechParameters['output_format'];

/** What plays the audio of one synthesis: Web Audio for samples, MSE for a streamed MP3. */
interface Playback {
  readonly playedSeconds: number;
  readonly playing: boolean;
  stop(): Promise<void>;
}

interface Run {
  startedAt: number;
  firstAudioAt?: number;
  producedSeconds: number;
  chunks: Uint8Array[];
  playback?: Playback;
  task?: SpeechTask;
  abort: AbortController;
}

const MEDIA_TYPES: Record<Format, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  pcm: 'application/octet-stream',
  opus: 'audio/ogg; codecs=opus',
  flac: 'audio/flac',
};

/** Formats whose samples the page reads as the chunks arrive; others are played once whole. */
const STREAM_DECODED = new Set<Format>(['wav', 'pcm']);

/**
 * The synthesis form and its result: streamed over the WebSocket duplex protocol and played as
 * the chunks arrive, or one whole file over REST; then the metrics, the waveform and the
 * download of the whole file in the chosen format.
 */
export class SynthesisPanel {
  private readonly form = element('synthesis-form', HTMLFormElement);
  private readonly voice = element('voice-select', HTMLSelectElement);
  private readonly text = element('text', HTMLTextAreaElement);
  private readonly mode = element('mode', HTMLSelectElement);
  private readonly instructField = element('instruct-field', HTMLDivElement);
  private readonly instruct = element('instruct', HTMLInputElement);
  private readonly speed = element('speed', HTMLInputElement);
  private readonly volume = element('volume', HTMLInputElement);
  private readonly format = element('format', HTMLSelectElement);
  private readonly sampleRate = element('sample-rate', HTMLSelectElement);
  private readonly seed = element('seed', HTMLInputElement);
  private readonly randomSeed = element('random-seed', HTMLButtonElement);
  private readonly streaming = element('streaming', HTMLInputElement);
  private readonly synthesizeButton = element('synthesize', HTMLButtonElement);
  private readonly stopButton = element('stop', HTMLButtonElement);
  private readonly message = element('synthesis-message', HTMLParagraphElement);
  private readonly error = element('synthesis-error', HTMLParagraphElement);
  private readonly firstAudio = element('first-audio', HTMLElement);
  private readonly realTimeFactor = element('real-time-factor', HTMLElement);
  private readonly produced = element('produced', HTMLElement);
  private readonly played = element('played', HTMLElement);
  private readonly waveform = element('waveform', HTMLCanvasElement);
  private readonly download = element('download', HTMLAnchorElement);
  private readonly resultPlayer = element('result-player', HTMLAudioElement);
  private run: Run | undefined;
  /** The last run, whose audio may still be playing. */
  private previous: Run | undefined;
  private playedTimer = 0;
  private downloadUrl: string | undefined;
  private resultUrl: string | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly onFailure: (error: unknown) => void,
  ) {
    this.mode.addEventListener('change', () => this.showInstruct());
    this.randomSeed.addEventListener('click', () => {
      this.seed.value = String(Math.floor(Math.random() * 2 ** 31));
    });
    this.stopButton.addEventListener('click', () => void this.stop());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.synthesize();
    });
    this.showInstruct();
  }

  setVoices(voices: Voice[]): void {
    const selected = this.voice.value;
    this.voice.replaceChildren(
      ...voices.map((voice) => {
        const option = document.createElement('option');
        option.value = voice.id;
        option.textContent = `${voice.name ?? voice.filename} — ${voice.text}`;
        return option;
      }),
    );
    if (voices.some((voice) => voice.id === selected)) {
      this.voice.value = selected;
    }
  }

  /** Selects this voice (a voice just uploaded), once the list holds it. */
  selectVoice(id: string): void {
    if ([...this.voice.options].some((option) => option.value === id)) {
      this.voice.value = id;
    }
  }

  private showInstruct(): void {
    this.instructField.hidden = this.mode.value !== 'natural_language_replication';
  }

  private parameters(): SpeechParameters | string {
    if (!this.voice.value) return t('noVoice');
    if (!this.text.value.trim()) return t('textRequired');
    const instruct = this.mode.value === 'natural_language_replication';
    if (instruct && !this.instruct.value.trim()) return t('instructRequired');
    const seed = this.seed.value.trim();
    return {
      mode: this.mode.value,
      reference_audio_id: this.voice.value,
      ...(instruct ? { instruct: this.instruct.value.trim() } : {}),
      speed: Number(this.speed.value),
      volume: Number(this.volume.value),
      output_format: this.format.value as Format,
      sample_rate: Number(this.sampleRate.value),
      ...(seed ? { seed: Number(seed) } : {}),
    };
  }

  private async synthesize(): Promise<void> {
    if (this.run) return;
    const parameters = this.parameters();
    this.error.textContent = '';
    if (typeof parameters === 'string') {
      this.resetResult();
      this.message.textContent = '';
      this.error.textContent = parameters;
      return;
    }
    const run: Run = {
      startedAt: performance.now(),
      producedSeconds: 0,
      chunks: [],
      abort: new AbortController(),
    };
    await this.previous?.playback?.stop();
    window.clearInterval(this.playedTimer);
    this.run = run;
    this.previous = run;
    this.resetResult();
    this.synthesizeButton.disabled = true;
    this.stopButton.disabled = false;
    this.message.textContent = t('synthesizing');
    this.playedTimer = window.setInterval(() => this.showPlayed(run), 100);
    // Created inside the click, so the browser lets it play; at the output's own rate.
    const context = new AudioContext({ sampleRate: parameters.sample_rate });
    try {
      if (this.streaming.checked) {
        await this.stream(run, parameters, context);
      } else {
        await this.whole(run, parameters, context);
      }
      if (this.run === run) this.finish(run, parameters);
    } catch (error) {
      if (this.run === run) {
        await run.playback?.stop();
        if (run.playback === undefined) await context.close();
        this.fail(error);
      }
    } finally {
      if (this.run === run) {
        this.run = undefined;
        this.synthesizeButton.disabled = false;
        this.stopButton.disabled = true;
      }
    }
  }

  private async stream(
    run: Run,
    parameters: SpeechParameters,
    context: AudioContext,
  ): Promise<void> {
    const format = parameters.output_format;
    let onChunk: (bytes: Uint8Array) => void;
    let onDone: (() => Promise<void>) | undefined;
    if (format === 'opus' || format === 'flac') {
      // Ogg Opus and FLAC are decoded by the browser once the file is whole.
      const player = new PcmPlayer(context);
      run.playback = player;
      onChunk = () => undefined;
      onDone = async () =>
        player.push(
          await decodeSamples(concat(...run.chunks), format, context),
          context.sampleRate,
        );
    } else if (format === 'mp3' && Mp3StreamPlayer.supported()) {
      await context.close();
      const player = new Mp3StreamPlayer(new Audio());
      run.playback = player;
      onChunk = (bytes) => player.push(bytes);
    } else {
      const player = new PcmPlayer(context);
      const reader = STREAM_DECODED.has(format)
        ? new PcmStreamReader(format as 'wav' | 'pcm')
        : undefined;
      run.playback = player;
      onChunk = (bytes) => {
        if (reader) player.push(reader.push(bytes), parameters.sample_rate);
      };
    }
    this.message.textContent = t('streaming');
    run.task = runSpeechTask(
      this.api.speechTaskUrl(),
      parameters,
      this.text.value,
      (bytes, metrics) => {
        run.firstAudioAt ??= performance.now();
        run.chunks.push(bytes);
        run.producedSeconds += metrics?.speech_len ?? 0;
        onChunk(bytes);
        this.showMetrics(run);
      },
    );
    try {
      await run.task.done;
      await onDone?.();
    } finally {
      if (run.playback instanceof Mp3StreamPlayer) run.playback.end();
    }
  }

  private async whole(
    run: Run,
    parameters: SpeechParameters,
    context: AudioContext,
  ): Promise<void> {
    const bytes = await this.api.synthesizeWhole(this.text.value, parameters, run.abort.signal);
    run.firstAudioAt = performance.now();
    run.chunks.push(bytes);
    const samples = await decodeSamples(bytes, parameters.output_format, context);
    run.producedSeconds = samples.length / context.sampleRate;
    const player = new PcmPlayer(context);
    run.playback = player;
    player.push(samples, context.sampleRate);
    this.showMetrics(run);
  }

  /** Stops playback and cancels the task on the server (the connection or request is closed). */
  private async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    run.task?.cancel();
    run.abort.abort();
    await run.playback?.stop();
    window.clearInterval(this.playedTimer);
    this.showPlayed(run);
    this.message.textContent = t('stopped');
    this.synthesizeButton.disabled = false;
    this.stopButton.disabled = true;
  }

  private finish(run: Run, parameters: SpeechParameters): void {
    const format = parameters.output_format;
    const joined = concat(...run.chunks);
    const file = format === 'wav' && this.streaming.checked ? withExactWavLengths(joined) : joined;
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = URL.createObjectURL(
      new Blob([file.slice().buffer], { type: MEDIA_TYPES[format] }),
    );
    this.download.href = this.downloadUrl;
    this.download.download = `speech-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
    this.download.hidden = false;
    this.showResultPlayer(file, format, parameters.sample_rate);
    this.message.textContent = t('finished', { seconds: seconds(run.producedSeconds) });
    this.showMetrics(run);
    void this.drawWaveformOf(file, format, parameters.sample_rate);
  }

  private async drawWaveformOf(
    file: Uint8Array,
    format: Format,
    sampleRate: number,
  ): Promise<void> {
    const context = new OfflineAudioContext(1, 1, sampleRate);
    const samples = await decodeSamples(file, format, context);
    this.waveform.hidden = false;
    drawWaveform(this.waveform, samples);
  }

  /** A player to replay the result (raw PCM is wrapped in a WAV header to be playable). */
  private showResultPlayer(file: Uint8Array, format: Format, sampleRate: number): void {
    const playable =
      format === 'pcm'
        ? new Blob([wrapPcm16(file, sampleRate).slice().buffer], { type: 'audio/wav' })
        : new Blob([file.slice().buffer], { type: MEDIA_TYPES[format] });
    if (this.resultUrl) URL.revokeObjectURL(this.resultUrl);
    this.resultUrl = URL.createObjectURL(playable);
    this.resultPlayer.src = this.resultUrl;
    this.resultPlayer.hidden = false;
  }

  private fail(error: unknown): void {
    window.clearInterval(this.playedTimer);
    this.resetResult();
    if (error instanceof ApiFailure && error.code === 'ConnectionClosed') {
      this.error.textContent = t('socketRefused');
    } else {
      this.error.textContent = errorText(error);
    }
    this.message.textContent = '';
    if (error instanceof ApiFailure && error.code === 'Unauthorized') this.onFailure(error);
  }

  /** Hides the previous result: its download, player, waveform and numbers. */
  private resetResult(): void {
    this.download.hidden = true;
    this.download.removeAttribute('href');
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = undefined;
    this.resultPlayer.pause();
    this.resultPlayer.removeAttribute('src');
    this.resultPlayer.hidden = true;
    if (this.resultUrl) URL.revokeObjectURL(this.resultUrl);
    this.resultUrl = undefined;
    this.waveform.hidden = true;
    this.firstAudio.textContent = '–';
    this.realTimeFactor.textContent = '–';
    this.produced.textContent = '–';
    this.played.textContent = '–';
  }

  private showMetrics(run: Run): void {
    if (run.firstAudioAt !== undefined) {
      this.firstAudio.textContent = `${Math.round(run.firstAudioAt - run.startedAt)} ms`;
    }
    const elapsed = (performance.now() - run.startedAt) / 1000;
    if (run.producedSeconds > 0) {
      this.realTimeFactor.textContent = (elapsed / run.producedSeconds).toFixed(3);
    }
    this.produced.textContent = `${seconds(run.producedSeconds)} s`;
  }

  private showPlayed(run: Run): void {
    if (!run.playback) return;
    this.played.textContent = `${seconds(run.playback.playedSeconds)} s`;
    if (this.run !== run && !run.playback.playing) window.clearInterval(this.playedTimer);
  }
}

/** The samples of a whole file in `format` (raw PCM is at the requested rate, the context's). */
async function decodeSamples(
  bytes: Uint8Array,
  format: Format,
  context: BaseAudioContext,
): Promise<Float32Array> {
  if (format === 'pcm') return pcm16ToFloat(bytes);
  const decoded = await context.decodeAudioData(bytes.slice().buffer);
  return decoded.getChannelData(0);
}
