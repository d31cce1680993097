import { decodeMp3 } from '../../src/audio/mp3.decoder.js';
import { decodeWav } from '../../src/audio/wav.decoder.js';
import type { BenchText } from './text-set.js';

export type BenchOutputFormat = 'wav' | 'pcm' | 'mp3';

/** What the benchmark asks of every synthesis, on either transport. */
export interface SpeechSettings {
  voiceId: string;
  outputFormat: BenchOutputFormat;
  sampleRate: number;
  seed: number;
  timeoutMs: number;
}

/** One timed synthesis as the client saw it. */
export type SpeechSample =
  | {
      ok: true;
      textId: string;
      /** From sending the request to the first message carrying audio bytes. */
      firstAudioMs: number;
      /** From sending the request to the end of the answer. */
      totalMs: number;
      /** Duration of the audio actually received, from its decoded samples. */
      audioSeconds: number;
    }
  | { ok: false; textId: string; totalMs: number; error: string };

/** A client of one transport; a worker keeps one for all its requests. */
export interface SpeechClient {
  synthesize(text: BenchText): Promise<SpeechSample>;
  close(): void;
}

/** Seconds of audio in a complete answer (all chunks joined), by decoding it. */
export async function receivedAudioSeconds(
  bytes: Buffer,
  format: BenchOutputFormat,
  sampleRate: number,
): Promise<number> {
  switch (format) {
    case 'wav': {
      const audio = decodeWav(bytes);
      return audio.samples.length / audio.sampleRate;
    }
    case 'mp3': {
      const audio = await decodeMp3(bytes);
      return audio.samples.length / audio.sampleRate;
    }
    case 'pcm':
      return bytes.length / 2 / sampleRate;
  }
}
