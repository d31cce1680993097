import { ApiFailure, type ApiClient, type Voice } from './api-client.js';
import { element, errorText, seconds } from './dom.js';
import { currentLanguage, t } from './i18n.js';
import {
  MAX_RECORDING_SECONDS,
  MIN_RECORDING_SECONDS,
  MicrophoneRecorder,
  type Recording,
} from './recorder.js';
import { wrapPcm16 } from './wav.js';

type UploadSource = { kind: 'file'; file: File } | { kind: 'recording'; recording: Recording };

/** The voice list (play, delete with confirmation) and the upload form (file or microphone). */
export class VoicesPanel {
  private readonly list = element('voice-list', HTMLUListElement);
  private readonly empty = element('voice-list-empty', HTMLParagraphElement);
  private readonly player = element('voice-player', HTMLAudioElement);
  private readonly form = element('upload-form', HTMLFormElement);
  private readonly fileInput = element('voice-file', HTMLInputElement);
  private readonly recordButton = element('record', HTMLButtonElement);
  private readonly level = element('record-level', HTMLMeterElement);
  private readonly timer = element('record-timer', HTMLOutputElement);
  private readonly sourceLine = element('upload-source', HTMLParagraphElement);
  private readonly transcript = element('transcript', HTMLTextAreaElement);
  private readonly nameInput = element('voice-name', HTMLInputElement);
  private readonly uploadButton = element('upload', HTMLButtonElement);
  private readonly uploadMessage = element('upload-message', HTMLParagraphElement);
  private readonly dialog = element('delete-dialog', HTMLDialogElement);
  private readonly deleteQuestion = element('delete-question', HTMLParagraphElement);
  private voices: Voice[] = [];
  /** Why the list could not be loaded; undefined when it was. */
  private loadFailure: unknown;
  private source: UploadSource | undefined;
  private recorder: MicrophoneRecorder | undefined;
  private playerUrl: string | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly onVoices: (voices: Voice[]) => void,
    private readonly onFailure: (error: unknown) => void,
    private readonly onUploaded: (voice: Voice) => void,
  ) {
    this.fileInput.addEventListener('change', () => this.fileChosen());
    this.recordButton.addEventListener('click', () => void this.toggleRecording());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.upload();
    });
  }

  async load(): Promise<void> {
    try {
      this.voices = await this.api.listVoices();
      this.loadFailure = undefined;
    } catch (error) {
      this.voices = [];
      this.loadFailure = error;
      this.onFailure(error);
    }
    this.render();
  }

  render(): void {
    this.list.replaceChildren(...this.voices.map((voice) => this.item(voice)));
    this.empty.hidden = this.voices.length > 0;
    this.empty.textContent = this.emptyListText();
    this.onVoices(this.voices);
  }

  /** Why the list is empty: no voices, a refused token, or another failure in words. */
  private emptyListText(): string {
    const failure = this.loadFailure;
    if (failure === undefined) return t('noVoices');
    if (failure instanceof ApiFailure && failure.code === 'Unauthorized') {
      return t('voicesNeedToken');
    }
    return t('voicesUnavailable', { reason: errorText(failure) });
  }

  private item(voice: Voice): HTMLLIElement {
    const name = voice.name ?? voice.filename;
    const item = document.createElement('li');
    const title = document.createElement('strong');
    title.textContent = name;
    const text = document.createElement('span');
    text.className = 'voice-text';
    text.textContent = voice.text;
    const details = document.createElement('span');
    details.className = 'hint';
    details.textContent = t('voiceDetails', {
      duration: voice.duration === undefined ? '?' : seconds(voice.duration, 1),
      created: new Date(voice.created_at * 1000).toLocaleString(
        currentLanguage() === 'zh' ? 'zh-CN' : 'en',
      ),
    });
    const play = document.createElement('button');
    play.type = 'button';
    play.textContent = '▶';
    play.setAttribute('aria-label', t('playVoice', { name }));
    play.addEventListener('click', () => void this.play(voice));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '✕';
    remove.setAttribute('aria-label', t('deleteVoice', { name }));
    remove.addEventListener('click', () => this.confirmDelete(voice, name));
    item.append(title, text, details, play, remove);
    return item;
  }

  private async play(voice: Voice): Promise<void> {
    try {
      const { bytes, contentType } = await this.api.voiceAudio(voice.id);
      const rate = /^audio\/L16;.*rate=(\d+)/i.exec(contentType)?.[1];
      const blob = rate
        ? new Blob([wrapPcm16(new Uint8Array(bytes), Number(rate)).slice().buffer], {
            type: 'audio/wav',
          })
        : new Blob([bytes], { type: contentType });
      if (this.playerUrl) URL.revokeObjectURL(this.playerUrl);
      this.playerUrl = URL.createObjectURL(blob);
      this.player.src = this.playerUrl;
      this.player.hidden = false;
      await this.player.play();
    } catch (error) {
      this.onFailure(error);
    }
  }

  private confirmDelete(voice: Voice, name: string): void {
    this.deleteQuestion.textContent = t('deleteQuestion', { name });
    this.dialog.returnValue = '';
    this.dialog.addEventListener(
      'close',
      () => {
        if (this.dialog.returnValue === 'delete') {
          void this.remove(voice, name);
        }
      },
      { once: true },
    );
    this.dialog.showModal();
  }

  private async remove(voice: Voice, name: string): Promise<void> {
    try {
      await this.api.deleteVoice(voice.id);
      this.uploadMessage.textContent = t('voiceDeleted', { name });
    } catch (error) {
      this.onFailure(error);
    }
    await this.load();
  }

  private fileChosen(): void {
    const file = this.fileInput.files?.[0];
    if (file) {
      this.source = { kind: 'file', file };
      this.sourceLine.textContent = t('fileChosen', { name: file.name });
    }
  }

  private async toggleRecording(): Promise<void> {
    if (this.recorder) {
      await this.finishRecording(false);
      return;
    }
    try {
      this.recorder = await MicrophoneRecorder.start((level, elapsed) => {
        this.level.value = level;
        this.timer.value = `${seconds(elapsed, 1)} s`;
        if (elapsed >= MAX_RECORDING_SECONDS) void this.finishRecording(true);
      });
    } catch (error) {
      this.sourceLine.textContent = t('microphoneUnavailable', {
        reason: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.recordButton.setAttribute('aria-pressed', 'true');
    this.sourceLine.textContent = t('recording');
  }

  private async finishRecording(atLimit: boolean): Promise<void> {
    const recorder = this.recorder;
    if (!recorder) return;
    this.recorder = undefined;
    this.recordButton.setAttribute('aria-pressed', 'false');
    this.level.value = 0;
    const recording = await recorder.finish();
    this.timer.value = `${seconds(recording.seconds, 1)} s`;
    if (recording.seconds < MIN_RECORDING_SECONDS) {
      this.source = undefined;
      this.sourceLine.textContent = t('recordingTooShort', {
        seconds: seconds(recording.seconds, 1),
      });
      return;
    }
    this.fileInput.value = '';
    this.source = { kind: 'recording', recording };
    const ready = t('recordingReady', { seconds: seconds(recording.seconds, 1) });
    this.sourceLine.textContent = atLimit ? `${t('recordingLimit')} ${ready}` : ready;
  }

  private async upload(): Promise<void> {
    const source = this.source;
    const transcript = this.transcript.value.trim();
    if (!source) {
      this.uploadMessage.textContent = t('chooseSource');
      return;
    }
    if (!transcript) {
      this.uploadMessage.textContent = t('transcriptRequired');
      this.transcript.focus();
      return;
    }
    const [blob, filename] =
      source.kind === 'file'
        ? [source.file, source.file.name]
        : [
            new Blob([source.recording.wav.slice().buffer], { type: 'audio/wav' }),
            `recording-${new Date().toISOString().replace(/[:.]/g, '-')}.wav`,
          ];
    this.uploadButton.disabled = true;
    this.uploadMessage.textContent = t('uploading');
    try {
      const name = this.nameInput.value.trim();
      const voice = await this.api.uploadVoice(blob, filename, transcript, name || undefined);
      this.uploadMessage.textContent = t('uploaded', { name: voice.name ?? voice.filename });
      this.source = undefined;
      this.sourceLine.textContent = '';
      this.fileInput.value = '';
      this.transcript.value = '';
      this.nameInput.value = '';
      await this.load();
      this.onUploaded(voice);
    } catch (error) {
      this.uploadMessage.textContent = errorText(error);
      if (error instanceof ApiFailure && error.code === 'Unauthorized') this.onFailure(error);
    } finally {
      this.uploadButton.disabled = false;
    }
  }
}
