import type { PcmAudio } from '../../src/audio/audio.types.js';
import { InferenceProvider, ModelNotLoadedError } from '../../src/inference/inference.provider.js';
import {
  ENGINE_SAMPLE_RATE,
  InferenceStatus,
  PROMPT_MEL_BINS,
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
    promptMel: new Float32Array(4 * PROMPT_MEL_BINS),
    promptMelFrames: 4,
  };
}

/**
 * Unit-test stand-in for the engine.
 *
 * Voice features are derived from the audio's length and rate so tests can tell which audio they
 * came from; extraction counts its calls and can be made to fail or held at a gate.
 *
 * Synthesis speaks every text piece as a tone at the voice's frequency (speakerEmbedding[0]),
 * FAKE_SECONDS_PER_CHARACTER per character divided by the speed, in chunks of `chunkSamples`;
 * a piece that is a key of `signals` is spoken as that signal instead (its samples as they are,
 * whatever the speed). It records every input and honours the abort signal.
 *
 * `loaded = false` makes both answer as an engine without a model pack.
 */
export class FakeInferenceProvider implements InferenceProvider {
  loaded = true;
  extractCalls = 0;
  /** Extraction throws this error. */
  failWith: Error | undefined;
  /** When set, extraction waits for it (to interleave other work with a running extraction). */
  gate: Promise<void> | undefined;
  chunkSamples = 2400;
  /** Milliseconds to wait before each synthesised chunk. */
  delayMs = 0;
  /** Synthesis throws this error after that many chunks. */
  failure: { afterChunks: number; error: Error } | undefined;
  readonly inputs: SynthesisInput[] = [];
  /** 24 kHz signals played for a text piece equal to their key (e.g. "tone" → a test tone). */
  readonly signals = new Map<string, Float32Array>();

  status(): InferenceStatus {
    return this.loaded
      ? { loaded: true, device: 'fake', testPack: false }
      : { loaded: false, error: 'no model', testPack: false };
  }

  async extractVoiceFeatures(audio: PcmAudio): Promise<VoiceFeatures> {
    this.extractCalls++;
    await this.gate;
    if (!this.loaded) {
      throw new ModelNotLoadedError('no model');
    }
    if (this.failWith) {
      throw this.failWith;
    }
    const tokens = Math.max(1, Math.round((audio.samples.length / audio.sampleRate) * 25));
    return {
      speakerEmbedding: Float32Array.from({ length: 192 }, (_, i) => audio.sampleRate / 1000 + i),
      speechTokens: Int32Array.from({ length: tokens }, (_, i) => i % 6561),
      promptMel: new Float32Array(2 * tokens * PROMPT_MEL_BINS).fill(audio.samples.length),
      promptMelFrames: 2 * tokens,
    };
  }

  async *synthesize(input: SynthesisInput): AsyncGenerator<SpeechChunk> {
    if (!this.loaded) {
      throw new ModelNotLoadedError('no model');
    }
    this.inputs.push(input);
    const frequency = input.voice.speakerEmbedding[0];
    const pieces = typeof input.text === 'string' ? [input.text] : input.text;
    let position = 0;
    let produced = 0;
    for await (const piece of pieces) {
      const signal = this.signals.get(piece);
      const length =
        signal?.length ??
        Math.round(
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
        const end = Math.min(start + this.chunkSamples, length);
        const samples = signal ? signal.slice(start, end) : new Float32Array(end - start);
        for (let i = 0; !signal && i < samples.length; i++, position++) {
          samples[i] =
            FAKE_AMPLITUDE * Math.sin((2 * Math.PI * frequency * position) / ENGINE_SAMPLE_RATE);
        }
        produced++;
        yield { samples, modelSeconds: 0.001 };
      }
    }
  }
}
