import { encodeWav } from './wav.js';

/** The service's limits for a reference voice, in seconds. */
export const MIN_RECORDING_SECONDS = 0.5;
export const MAX_RECORDING_SECONDS = 30;

/** Rate of the WAV the page uploads: the rate at which the model reads a prompt's mel. */
export const RECORDING_SAMPLE_RATE = 24000;

export interface Recording {
  wav: Uint8Array;
  seconds: number;
}

/**
 * Records the microphone with MediaRecorder (what every browser has; it writes WebM or Ogg),
 * reports the input level while it runs, and converts the result in the page to a 16-bit mono
 * WAV, which the service accepts as is.
 */
export class MicrophoneRecorder {
  private readonly chunks: Blob[] = [];
  private readonly analyser: AnalyserNode;
  private readonly startedAt = performance.now();
  private levelTimer = 0;

  private constructor(
    private readonly stream: MediaStream,
    private readonly recorder: MediaRecorder,
    private readonly context: AudioContext,
    onLevel: (level: number, seconds: number) => void,
  ) {
    recorder.ondataavailable = (event) => this.chunks.push(event.data);
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(this.analyser);
    const samples = new Float32Array(this.analyser.fftSize);
    this.levelTimer = window.setInterval(() => {
      this.analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
      onLevel(peak, this.elapsedSeconds);
    }, 100);
    recorder.start(250);
  }

  static async start(
    onLevel: (level: number, seconds: number) => void,
  ): Promise<MicrophoneRecorder> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
    return new MicrophoneRecorder(stream, new MediaRecorder(stream), new AudioContext(), onLevel);
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** Stops recording and returns the audio as a 16-bit mono WAV at 24 kHz. */
  async finish(): Promise<Recording> {
    window.clearInterval(this.levelTimer);
    const stopped = new Promise<void>((resolve) => (this.recorder.onstop = () => resolve()));
    this.recorder.stop();
    await stopped;
    for (const track of this.stream.getTracks()) track.stop();
    const recorded = await new Blob(this.chunks).arrayBuffer();
    const decoded = await this.context.decodeAudioData(recorded);
    await this.context.close();
    const samples = await toMono(decoded, RECORDING_SAMPLE_RATE);
    return {
      wav: encodeWav(samples, RECORDING_SAMPLE_RATE),
      seconds: samples.length / RECORDING_SAMPLE_RATE,
    };
  }
}

/** Mixes the channels down and resamples to `sampleRate` with an OfflineAudioContext. */
async function toMono(audio: AudioBuffer, sampleRate: number): Promise<Float32Array> {
  const length = Math.max(1, Math.round(audio.duration * sampleRate));
  const offline = new OfflineAudioContext(1, length, sampleRate);
  const source = offline.createBufferSource();
  source.buffer = audio;
  source.connect(offline.destination);
  source.start();
  const rendered = await offline.startRendering();
  return rendered.getChannelData(0);
}
