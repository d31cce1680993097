import type { PcmAudio } from '../../src/audio/audio.types.js';
import { InferenceProvider, ModelNotLoadedError } from '../../src/inference/inference.provider.js';
import {
  ENGINE_SAMPLE_RATE,
  InferenceStatus,
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../../src/inference/inference.types.js';

/** Seconds of "speech" per character of text at speed 1.0. */
export const FAKE_SECONDS_PER_CHARACTER = 0.05;
/** Amplitude of the fake speech (a pure tone). */
export const FAKE_AMPLITUDE = 0.4;

/** Voice features whose tone is `frequency` Hz in the fake engine. */
export function fakeVoice(frequency: number): VoiceFeatures {
  const speakerEmbedding = new Float32Array(192);
  speakerEmbedding[0] = frequency;
  return {
    speakerEmbedding,
    speechTokens: new Int32Array(2),
    promptMel: new Float32Array(4 * 80),
    promptMelFrames: 4,
  };
}

/**
 * A stand-in engine for unit tests of the synthesis path: speaks every text piece as a tone at
 * the voice's frequency (speakerEmbedding[0]), FAKE_SECONDS_PER_CHARACTER per character divided
 * by the speed, in chunks of `chunkSamples`. Records every input and honours the abort signal.
 */
export class FakeSpeechEngine implements InferenceProvider {
  loaded = true;
  chunkSamples = 2400;
  /** Milliseconds to wait before each chunk. */
  delayMs = 0;
  /** Throw this error after that many chunks. */
  failure: { afterChunks: number; error: Error } | undefined;
  readonly inputs: SynthesisInput[] = [];

  status(): InferenceStatus {
    return this.loaded ? { loaded: true, device: 'fake' } : { loaded: false, error: 'no pack' };
  }

  async extractVoiceFeatures(_audio: PcmAudio): Promise<VoiceFeatures> {
    return fakeVoice(220);
  }

  async *synthesize(input: SynthesisInput): AsyncGenerator<SpeechChunk> {
    if (!this.loaded) {
      throw new ModelNotLoadedError('no pack');
    }
    this.inputs.push(input);
    const frequency = input.voice.speakerEmbedding[0];
    const pieces = typeof input.text === 'string' ? [input.text] : input.text;
    let position = 0;
    let produced = 0;
    for await (const piece of pieces) {
      const length = Math.round(
        ([...piece].length * FAKE_SECONDS_PER_CHARACTER * ENGINE_SAMPLE_RATE) / input.speed,
      );
      for (let start = 0; start < length; start += this.chunkSamples) {
        if (this.delayMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        }
        input.signal?.throwIfAborted();
        if (this.failure && produced === this.failure.afterChunks) {
          throw this.failure.error;
        }
        const samples = new Float32Array(Math.min(this.chunkSamples, length - start));
        for (let i = 0; i < samples.length; i++, position++) {
          samples[i] =
            FAKE_AMPLITUDE * Math.sin((2 * Math.PI * frequency * position) / ENGINE_SAMPLE_RATE);
        }
        produced++;
        yield { samples, modelSeconds: 0.001 };
      }
    }
  }
}
