/**
 * The CosyVoice2 engine at the real model size, for BENCHMARKS.md "Engine at real size":
 * `npm run bench:engine -- <pack dir>` (or BENCH_PACK_DIR=<dir>). The pack holds the real
 * architecture sizes with random weights; build it with `npm run models:bench-pack -- <dir>`
 * (needs Debian's python3-torch and python3-onnx, ~2.5 GB, never committed).
 *
 * Measures, through the engine's own code paths: LLM prefill of a 200-row prompt, LLM decode per
 * token (graph + head + sampler), flow and HiFT time per second of audio, end-to-end streamed
 * synthesis of a ~10 s sentence (time to first audio, RTF) and the peak resident memory.
 * Knobs: BENCH_THREADS (onnxruntime intra-op threads, default 0 = onnxruntime decides),
 * BENCH_TOKENS (speech tokens of the end-to-end sentence, default 250 = 10 s),
 * BENCH_RUNS (end-to-end runs, default 2), BENCH_ONLY=e2e (only the end-to-end runs).
 */
import { Logger } from '@nestjs/common';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildEngineRuntime,
  type EngineRuntime,
} from '../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { HiftVocoder } from '../src/inference/cosyvoice2/hift/hift-vocoder.js';
import type { LlmRequest } from '../src/inference/cosyvoice2/llm/llm-decoder.js';
import { SeededRandom } from '../src/inference/cosyvoice2/runtime/seeded-random.js';
import { SessionTimer } from '../src/inference/cosyvoice2/runtime/session-timer.js';
import { SpeechTokenSampler } from '../src/inference/cosyvoice2/llm/speech-token.sampler.js';
import { ENGINE_SAMPLE_RATE, type VoiceFeatures } from '../src/inference/inference.types.js';
import { loadModelPack } from '../src/inference/model-pack/model-pack.loader.js';
import { defaultManifest } from '../src/inference/model-pack/model-pack.manifest.js';
import { glidingToneSamples } from '../test/support/reference-audio-fixtures.js';
import { median } from './stats.js';

const PREFILL_ROWS = 200;
const DECODE_TOKENS = 40;
const TOKENS_PER_SECOND = 25;
const SENTENCE =
  'The quiet harbour town woke slowly that morning, as fishing boats drifted back through ' +
  'the grey mist and the first shops opened their doors to the cold salty air.';
const PROMPT_TEXT = 'A short sentence spoken by the prompt voice.';

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number.parseInt(value, 10);
}

function load(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

/** Prefill of `PREFILL_ROWS` input rows, then `DECODE_TOKENS` decode steps (EOS masked). */
async function measureLlm(
  runtime: EngineRuntime,
): Promise<{ prefill: number[]; decode: number[] }> {
  const prefill: number[] = [];
  const decode: number[] = [];
  for (let run = 0; run < 3; run++) {
    const textIds = Int32Array.from({ length: PREFILL_ROWS - 2 }, (_, i) => 1000 + 37 * i);
    const request: LlmRequest = {
      textIds,
      targetTextTokens: textIds.length,
      promptSpeechTokens: new Int32Array(0),
      sampler: new SpeechTokenSampler(new SeededRandom(run)),
      timer: new SessionTimer(),
    };
    let last = nowMs();
    let step = 0;
    for await (const token of runtime.llm.generate(request)) {
      void token;
      const now = nowMs();
      if (step === 0) prefill.push(now - last);
      else decode.push(now - last);
      last = now;
      if (++step > DECODE_TOKENS) break;
    }
  }
  return { prefill, decode };
}

async function measureFlowAndHift(runtime: EngineRuntime, voice: VoiceFeatures): Promise<string[]> {
  const rows: string[] = [];
  const hift = new HiftVocoder(runtime.pack.sessions.hift);
  for (const seconds of [2, 10]) {
    const tokens = Int32Array.from(
      { length: seconds * TOKENS_PER_SECOND },
      (_, i) => (i * 131) % 6561,
    );
    const flowMs: number[] = [];
    const hiftMs: number[] = [];
    for (let run = 0; run < 2; run++) {
      const timer = new SessionTimer();
      let start = nowMs();
      const mel = await runtime.flow.melFor(tokens, voice, timer);
      flowMs.push(nowMs() - start);
      start = nowMs();
      await hift.vocode(mel, timer);
      hiftMs.push(nowMs() - start);
    }
    rows.push(
      `| flow (encoder + 10 Euler steps, batch 2), ${seconds} s of audio + ${voice.promptMelFrames / 50} s prompt | ${Math.min(...flowMs).toFixed(0)} ms | ${(Math.min(...flowMs) / seconds).toFixed(0)} ms |`,
      `| HiFT (graph + iSTFT), ${seconds} s of audio | ${Math.min(...hiftMs).toFixed(0)} ms | ${(Math.min(...hiftMs) / seconds).toFixed(0)} ms |`,
    );
  }
  return rows;
}

/** Streams the sentence with the LLM capped at `tokens` speech tokens. */
async function measureEndToEnd(
  runtime: EngineRuntime,
  voice: VoiceFeatures,
  tokens: number,
  runs: number,
): Promise<string[]> {
  const llm = runtime.llm;
  const generate = llm.generate.bind(llm);
  llm.generate = async function* capped(request: LlmRequest): AsyncGenerator<number> {
    let count = 0;
    for await (const token of generate(request)) {
      yield token;
      if (++count >= tokens) return;
    }
  };
  const rows: string[] = [];
  for (let run = 0; run < runs; run++) {
    const start = nowMs();
    const cpuStart = process.cpuUsage();
    let firstAudio = 0;
    let samples = 0;
    let chunks = 0;
    for await (const chunk of runtime.synthesizer.synthesize({
      mode: 'zero_shot',
      text: SENTENCE,
      promptText: PROMPT_TEXT,
      voice,
      speed: 1,
      stream: true,
      seed: 11 + run,
    })) {
      if (chunks === 0) firstAudio = nowMs() - start;
      chunks++;
      samples += chunk.samples.length;
    }
    const total = nowMs() - start;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const audioSeconds = samples / ENGINE_SAMPLE_RATE;
    rows.push(
      `| run ${run + 1}: ${audioSeconds.toFixed(2)} s audio in ${chunks} chunks | ${firstAudio.toFixed(0)} ms | ${(total / 1000).toFixed(1)} s | ${(total / 1000 / audioSeconds).toFixed(2)} | ${cpuSeconds.toFixed(0)} s | ${load()} |`,
    );
  }
  llm.generate = generate;
  return rows;
}

export default async function run(modelDir = process.env.BENCH_PACK_DIR): Promise<void> {
  if (modelDir === undefined || modelDir === '') {
    console.log(
      'No benchmark pack given. Build one (real sizes, random weights, ~2.5 GB; needs Debian\n' +
        'python3-torch and python3-onnx) with `npm run models:bench-pack -- <dir>`, then run\n' +
        '`npm run bench:engine -- <dir>` or BENCH_PACK_DIR=<dir> npm run bench:engine.\n' +
        'The tiny-pack engine overhead bench is `npm run bench -- engine`.',
    );
    return;
  }
  Logger.overrideLogger(false);
  const threads = envInt('BENCH_THREADS', 0);
  const tokens = envInt('BENCH_TOKENS', 10 * TOKENS_PER_SECOND);
  const runs = envInt('BENCH_RUNS', 2);
  console.log(
    `load average at start: ${load()}; intra-op threads: ${threads || 'onnxruntime default'}`,
  );

  const config = { modelDir, device: 'cpu' as const, threads };
  const start = nowMs();
  const runtime = await buildEngineRuntime(await loadModelPack(config), config);
  const loadSeconds = (nowMs() - start) / 1000;
  const voice = await runtime.voiceFeatures.extract(
    { samples: glidingToneSamples(), sampleRate: 16000 },
    new SessionTimer(),
  );

  if (process.env.BENCH_ONLY === 'e2e') {
    printEndToEnd(await measureEndToEnd(runtime, voice, tokens, runs), tokens);
    await runtime.release();
    return;
  }
  const { prefill, decode } = await measureLlm(runtime);
  const decodeMs = median(decode);
  const manifest = defaultManifest();
  const llmBytes = statSync(join(modelDir, manifest.roles.llm.file)).size;
  const headBytes = statSync(join(modelDir, manifest.roles.llmDecoderWeight.file)).size;
  const flowRows = await measureFlowAndHift(runtime, voice);
  const e2eRows = await measureEndToEnd(runtime, voice, tokens, runs);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  await runtime.release();

  console.log(`\npack loaded in ${loadSeconds.toFixed(1)} s`);
  console.log('\n| measurement | median (flow, HiFT: best of 2) | per second of audio |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| LLM prefill, ${PREFILL_ROWS}-row prompt (embed_tokens + graph + head + sampling) | ${median(prefill).toFixed(0)} ms | |`,
  );
  console.log(
    `| LLM decode per token (graph + head + sampling, past ≈ ${PREFILL_ROWS}–${PREFILL_ROWS + DECODE_TOKENS}) | ${decodeMs.toFixed(1)} ms (${(1000 / decodeMs).toFixed(1)} tokens/s; real time needs ${TOKENS_PER_SECOND}) | ${((decodeMs * TOKENS_PER_SECOND) / 1000).toFixed(2)} s |`,
  );
  for (const row of flowRows) console.log(row);
  console.log(
    `| weights read per decode token (LLM graph file + llm_decoder table) | ${((llmBytes + headBytes) / 1e9).toFixed(2)} GB | |`,
  );
  console.log(`| peak resident memory (whole process) | ${peakRssMb.toFixed(0)} MB | |`);
  printEndToEnd(e2eRows, tokens);
}

function printEndToEnd(rows: string[], tokens: number): void {
  console.log(`\nEnd to end, streamed, zero-shot, LLM capped at ${tokens} tokens:\n`);
  console.log('| run | time to first audio | total | RTF | process CPU | load average after |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows) console.log(row);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run(process.argv[2] ?? process.env.BENCH_PACK_DIR);
}
