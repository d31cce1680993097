import type { PcmAudio } from '../../src/audio/audio.types.js';
import { InferenceProvider, ModelNotLoadedError } from '../../src/inference/inference.provider.js';
import type {
  InferenceStatus,
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../../src/inference/inference.types.js';

/**
 * Unit-test stand-in for the engine: "features" are derived from the audio's length and rate so
 * tests can tell which audio they came from; counts calls; can be switched off, made to fail or
 * held at a gate.
 */
export class FakeInferenceProvider implements InferenceProvider {
  loaded = true;
  extractCalls = 0;
  failWith: Error | undefined;
  /** When set, extraction waits for it (to interleave other work with a running extraction). */
  gate: Promise<void> | undefined;

  status(): InferenceStatus {
    return this.loaded ? { loaded: true, device: 'fake' } : { loaded: false, error: 'no model' };
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
      promptMel: new Float32Array(2 * tokens * 80).fill(audio.samples.length),
      promptMelFrames: 2 * tokens,
    };
  }

  // eslint-disable-next-line require-yield
  async *synthesize(_input: SynthesisInput): AsyncIterable<SpeechChunk> {
    throw new ModelNotLoadedError('the fake provider does not synthesise');
  }
}
