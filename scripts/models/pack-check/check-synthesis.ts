import type { EngineRuntime } from '../../../src/inference/cosyvoice2/runtime/engine-runtime.js';
import type { LlmRequest } from '../../../src/inference/cosyvoice2/llm/llm-decoder.js';
import type { SynthesisMode, VoiceFeatures } from '../../../src/inference/inference.types.js';
import { engineModeOf } from '../../../src/synthesis/engine-mode.js';
import { ENGINE_SAMPLE_RATE } from '../../../src/inference/inference.types.js';

/** What one mode is asked to say. */
export interface CheckUtterance {
  mode: SynthesisMode;
  text: string;
  instruct?: string;
}

/** Fixed seed of every check synthesis, so two runs on the same pack print the same numbers. */
export const CHECK_SEED = 20_240_601;

/** One short synthesis per mode: English and Chinese, so the cross-lingual path changes language. */
export const CHECK_UTTERANCES: readonly CheckUtterance[] = [
  { mode: 'fast_replication', text: 'Hello, this is a short check of the cloned voice.' },
  { mode: 'cross_lingual_replication', text: '收到好友从远方寄来的生日礼物。' },
  {
    mode: 'natural_language_replication',
    text: 'Every morning I walk to the station and buy a newspaper.',
    instruct: 'Speak slowly and calmly.',
  },
];

/** What one check synthesis produced, measured as a listener would notice it. */
export interface CheckSynthesisResult {
  utterance: CheckUtterance;
  speechTokens: number[];
  audioSeconds: number;
  /** Largest |sample|, linear. */
  peak: number;
  /** Root mean square, linear. */
  rms: number;
  /** Samples at the engine's ±0.99 limit. */
  clippedSamples: number;
  /** NaN or ±Infinity samples. */
  nonFiniteSamples: number;
  /** Seconds from the request to the first audio sample (streamed). */
  firstAudioSeconds: number;
  /** Wall time / audio time. */
  rtf: number;
}

const CLIP_LEVEL = 0.99;

/**
 * Runs one streamed synthesis through the engine's own synthesizer and records the speech tokens
 * its LLM produced on the way (by wrapping the LLM decoder's `generate` for this run).
 */
export async function runCheckSynthesis(
  runtime: EngineRuntime,
  voice: VoiceFeatures,
  promptText: string,
  utterance: CheckUtterance,
): Promise<CheckSynthesisResult> {
  const speechTokens: number[] = [];
  const generate = runtime.llm.generate.bind(runtime.llm);
  runtime.llm.generate = async function* (request: LlmRequest) {
    for await (const token of generate(request)) {
      speechTokens.push(token);
      yield token;
    }
  };
  const chunks: Float32Array[] = [];
  const started = performance.now();
  let firstAudio: number | undefined;
  try {
    const stream = runtime.synthesizer.synthesize({
      mode: engineModeOf(utterance.mode),
      text: utterance.text,
      promptText,
      instruct: utterance.instruct,
      voice,
      speed: 1,
      stream: true,
      seed: CHECK_SEED,
    });
    for await (const chunk of stream) {
      if (chunk.samples.length > 0) firstAudio ??= performance.now();
      chunks.push(chunk.samples);
    }
  } finally {
    runtime.llm.generate = generate;
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const levels = measureLevels(chunks);
  const audioSeconds = levels.samples / ENGINE_SAMPLE_RATE;
  return {
    utterance,
    speechTokens,
    audioSeconds,
    peak: levels.peak,
    rms: levels.rms,
    clippedSamples: levels.clipped,
    nonFiniteSamples: levels.nonFinite,
    firstAudioSeconds: ((firstAudio ?? performance.now()) - started) / 1000,
    rtf: audioSeconds > 0 ? wallSeconds / audioSeconds : Infinity,
  };
}

function measureLevels(chunks: readonly Float32Array[]) {
  let samples = 0;
  let peak = 0;
  let squares = 0;
  let clipped = 0;
  let nonFinite = 0;
  for (const chunk of chunks) {
    for (const value of chunk) {
      samples++;
      if (!Number.isFinite(value)) {
        nonFinite++;
        continue;
      }
      const magnitude = Math.abs(value);
      peak = Math.max(peak, magnitude);
      squares += value * value;
      if (magnitude >= CLIP_LEVEL - 1e-6) clipped++;
    }
  }
  return { samples, peak, rms: samples > 0 ? Math.sqrt(squares / samples) : 0, clipped, nonFinite };
}

/** Number of NaN/Inf values in the voice features extracted from the prompt. */
export function nonFiniteVoiceValues(voice: VoiceFeatures): number {
  let count = 0;
  for (const value of voice.speakerEmbedding) if (!Number.isFinite(value)) count++;
  for (const value of voice.promptMel) if (!Number.isFinite(value)) count++;
  return count;
}
