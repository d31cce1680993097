import type { InferenceDevice } from '../../../config/app-config.js';
import type { PcmAudio } from '../../../audio/audio.types.js';
import type { EngineRuntime } from './engine-runtime.js';
import { SessionTimer } from './session-timer.js';

const PROMPT_SAMPLE_RATE = 16000;
const PROMPT_SECONDS = 3;
const PROMPT_TEXT = 'A gliding tone.';
/** Long enough for a streamed chunk (25 + 3 tokens) and a final one with the real model. */
const WARM_UP_TEXT = 'This sentence compiles the shaders of a synthesis.';

/**
 * Whether a device compiles its kernels for each new input shape at first use, so that the first
 * syntheses after load pay for it: WebGPU (measured on SwiftShader: 3.5 s on the estimator's first
 * call, 48 ms on a repeat). The CPU does not (the tiny pack's first synthesis took as long as the
 * next ones), and CUDA has not been measured.
 */
export function compilesShadersOnFirstRun(device: InferenceDevice): boolean {
  return device === 'webgpu';
}

/** A 3 s, 16 kHz gliding tone: a voice prompt that needs no file (the GPU check uses it too). */
export function glidingPromptTone(): PcmAudio {
  const samples = Float32Array.from({ length: PROMPT_SAMPLE_RATE * PROMPT_SECONDS }, (_, i) => {
    const t = i / PROMPT_SAMPLE_RATE;
    return 0.3 * Math.sin(2 * Math.PI * (140 + 40 * t) * t) * (0.6 + 0.4 * Math.sin(3 * t));
  });
  return { samples, sampleRate: PROMPT_SAMPLE_RATE };
}

/**
 * Runs every graph once with the shapes a synthesis starts with before the engine says it is
 * loaded: a voice extraction (CAM++, speech tokenizer) and one short seeded zero-shot synthesis,
 * streamed (LLM prefill and decode steps, the head, a streamed flow chunk of 25 + 3 tokens and
 * the final one, HiFT). Streamed chunk ends fall on multiples of 25 tokens counting the prompt,
 * so later requests meet the same flow frame counts for the first chunk; other lengths still
 * compile on first use. Returns the seconds it took.
 */
export async function warmUpShaders(runtime: EngineRuntime): Promise<number> {
  const started = performance.now();
  const voice = await runtime.voiceFeatures.extract(glidingPromptTone(), new SessionTimer());
  const chunks = runtime.synthesizer.synthesize({
    mode: 'zero_shot',
    text: WARM_UP_TEXT,
    promptText: PROMPT_TEXT,
    voice,
    speed: 1,
    stream: true,
    seed: 0,
  });
  for await (const chunk of chunks) void chunk;
  return (performance.now() - started) / 1000;
}
