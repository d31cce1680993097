import { execFileSync } from 'node:child_process';
import { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import type { SynthesisInput, VoiceFeatures } from '../../src/inference/inference.types.js';
import { percentile } from '../../bench/stats.js';

/** Audio rate of the engine's output. */
const OUTPUT_RATE = 24000;
/** CosyVoice2 speech tokens per second of audio. */
const TOKENS_PER_SECOND = 25;

/** The texts the levels speak in turn (English, short to medium). */
const TEXTS = [
  'Hello there, this is a short test of streamed speech.',
  'The quick brown fox jumps over the lazy dog, and then it runs away into the forest.',
  'A GPU speech service answers quickly when many people talk to it at the same time.',
];

/** One concurrency level, with the definitions of CosyVoice's pressure test. */
export interface LoadLevel {
  concurrency: number;
  requests: number;
  /** Share of requests that ended with audio and no error. */
  successRate: number;
  /** Time to first packet: from the call to the first audio chunk, ms. */
  ttfpP50Ms: number;
  ttfpP95Ms: number;
  ttfpP99Ms: number;
  /** Real-time factor: wall time of a request / seconds of audio it produced (median, p95). */
  rtfP50: number;
  rtfP95: number;
  /** Speech tokens per second over the level (25 per second of audio), all streams together. */
  llmTokensPerSecond: number;
  /** GPU memory in use at the end of the level (nvidia-smi, MiB) or null where none answers. */
  gpuMemoryMiB: number | null;
  /** Resident memory of this process at the end of the level, MiB. */
  rssMiB: number;
}

interface RequestSample {
  ok: boolean;
  ttfpMs: number;
  wallMs: number;
  audioSeconds: number;
}

/** Memory used on the first GPU as nvidia-smi reports it; null without nvidia-smi. */
export function nvidiaSmiMemoryMiB(): number | null {
  try {
    const out = execFileSync(
      'nvidia-smi',
      ['--query-gpu=memory.used', '--format=csv,noheader,nounits'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const value = Number.parseInt(out.trim().split('\n')[0] ?? '', 10);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

async function oneRequest(
  engine: CosyVoice2Engine,
  voice: VoiceFeatures,
  index: number,
): Promise<RequestSample> {
  const input: SynthesisInput = {
    mode: 'cross_lingual',
    text: TEXTS[index % TEXTS.length],
    promptText: '',
    voice,
    speed: 1,
    stream: true,
    seed: index,
  };
  const started = performance.now();
  let ttfpMs = Number.NaN;
  let samples = 0;
  try {
    for await (const chunk of engine.synthesize(input)) {
      if (Number.isNaN(ttfpMs)) ttfpMs = performance.now() - started;
      samples += chunk.samples.length;
    }
    return {
      ok: samples > 0,
      ttfpMs,
      wallMs: performance.now() - started,
      audioSeconds: samples / OUTPUT_RATE,
    };
  } catch {
    return { ok: false, ttfpMs, wallMs: performance.now() - started, audioSeconds: 0 };
  }
}

/**
 * `requests` streamed syntheses with `concurrency` of them in flight at once (each stream takes
 * the next request when its previous one ends), all interleaved in this one WebGPU thread.
 */
export async function runLoadLevel(
  engine: CosyVoice2Engine,
  voice: VoiceFeatures,
  concurrency: number,
  requests: number,
): Promise<LoadLevel> {
  const samples: RequestSample[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < requests; index = next++) {
        samples.push(await oneRequest(engine, voice, index));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ok = samples.filter((sample) => sample.ok);
  const audioSeconds = ok.reduce((sum, sample) => sum + sample.audioSeconds, 0);
  const ttfp = ok.map((sample) => sample.ttfpMs);
  const rtf = ok.map((sample) => sample.wallMs / 1000 / sample.audioSeconds);
  return {
    concurrency,
    requests,
    successRate: ok.length / requests,
    ttfpP50Ms: percentile(ttfp, 0.5),
    ttfpP95Ms: percentile(ttfp, 0.95),
    ttfpP99Ms: percentile(ttfp, 0.99),
    rtfP50: percentile(rtf, 0.5),
    rtfP95: percentile(rtf, 0.95),
    llmTokensPerSecond: (audioSeconds * TOKENS_PER_SECOND) / seconds,
    gpuMemoryMiB: nvidiaSmiMemoryMiB(),
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

/** Cold (first, shaders compiling) and warm (same request again) time to first audio, ms. */
export async function firstAudioColdWarm(
  engine: CosyVoice2Engine,
  voice: VoiceFeatures,
): Promise<{ coldMs: number; warmMs: number }> {
  const cold = await oneRequest(engine, voice, 0);
  const warm = await oneRequest(engine, voice, 0);
  if (!cold.ok || !warm.ok) throw new Error('the warm-up synthesis on the GPU device failed');
  return { coldMs: cold.ttfpMs, warmMs: warm.ttfpMs };
}
