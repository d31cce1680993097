/**
 * Engine overhead for BENCHMARKS.md: the time the TypeScript side of the CosyVoice2 engine adds
 * around `session.run`, on the tiny model pack (whose graphs are nearly free, so what is left is
 * ours): per LLM decode step (tensor building, LLM head, RAS sampling) and per flow Euler step
 * (CFG batch, guidance arithmetic), plus the LLM head and sampler at the real 0.5B sizes
 * (hidden 896, 6564 speech logits), which the tiny pack cannot show.
 * Run alone: `npx tsx bench/engine.bench.ts`.
 */
import { Logger } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { buildEngineRuntime } from '../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { SeededRandom } from '../src/inference/cosyvoice2/runtime/seeded-random.js';
import { SessionTimer } from '../src/inference/cosyvoice2/runtime/session-timer.js';
import { LlmHead } from '../src/inference/cosyvoice2/llm/llm-head.js';
import { SpeechTokenSampler } from '../src/inference/cosyvoice2/llm/speech-token.sampler.js';
import { FLOW_STEPS } from '../src/inference/cosyvoice2/flow/flow-matching.solver.js';
import { loadModelPack } from '../src/inference/model-pack/model-pack.loader.js';
import { glidingToneSamples } from '../test/support/reference-audio-fixtures.js';
import { prepareTinyPack } from '../test/support/tiny-pack.js';
import { median, percentile } from './stats.js';

const RUNS = 7;
const REAL_HIDDEN = 896;
const REAL_VOCAB = 6564;

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export default async function run(): Promise<void> {
  Logger.overrideLogger(false);
  const config = { modelDir: await prepareTinyPack(), device: 'cpu' as const, threads: 1 };
  const runtime = await buildEngineRuntime(await loadModelPack(config), config);
  const voice = await runtime.voiceFeatures.extract(
    { samples: glidingToneSamples(), sampleRate: 16000 },
    new SessionTimer(),
  );

  // LLM: per decode step, wall time between two tokens minus the time inside session.run.
  const decodeOverhead: number[] = [];
  const decodeInRun: number[] = [];
  const prefillOverhead: number[] = [];
  for (let runIndex = 0; runIndex < RUNS + 1; runIndex++) {
    const timer = new SessionTimer();
    const request = {
      textIds: Int32Array.from({ length: 40 }, (_, i) => 1000 + 37 * i),
      targetTextTokens: 40,
      promptSpeechTokens: voice.speechTokens,
      sampler: new SpeechTokenSampler(new SeededRandom(runIndex)),
      timer,
    };
    let last = nowMs();
    let step = 0;
    for await (const token of runtime.llm.generate(request)) {
      void token;
      const now = nowMs();
      const inRun = timer.takeSeconds() * 1000;
      if (runIndex > 0) {
        if (step === 0) prefillOverhead.push(now - last - inRun);
        else {
          decodeOverhead.push(now - last - inRun);
          decodeInRun.push(inRun);
        }
      }
      step++;
      last = nowMs();
    }
  }

  // Flow: one melFor call = encoder + 10 estimator runs; overhead per Euler step.
  const flowRows: string[] = [];
  for (const tokens of [28, 250]) {
    const overhead: number[] = [];
    const ids = Int32Array.from({ length: tokens }, (_, i) => (i * 131) % 6561);
    for (let runIndex = 0; runIndex < RUNS + 1; runIndex++) {
      const timer = new SessionTimer();
      const start = nowMs();
      await runtime.flow.melFor(ids, voice, timer);
      const total = nowMs() - start;
      if (runIndex > 0) overhead.push((total - timer.takeSeconds() * 1000) / FLOW_STEPS);
    }
    const frames = voice.promptMelFrames + 2 * tokens;
    flowRows.push(
      `| flow Euler step, ${frames} frames (${tokens} tokens + prompt), overhead | ${median(overhead).toFixed(3)} ms |`,
    );
  }

  // The LLM head and RAS sampler at the real sizes (random weights).
  const random = new SeededRandom(3);
  const weight = {
    data: Float32Array.from(
      { length: REAL_VOCAB * REAL_HIDDEN },
      () => random.nextGaussian() * 0.02,
    ),
    rows: REAL_VOCAB,
    cols: REAL_HIDDEN,
  };
  const bias = new Float32Array(REAL_VOCAB);
  const hidden = Float32Array.from({ length: REAL_HIDDEN }, () => random.nextGaussian());
  const head = await LlmHead.create(weight, bias, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });
  const sampler = new SpeechTokenSampler(new SeededRandom(4));
  const headInRunMs: number[] = [];
  const headOutsideMs: number[] = [];
  const samplerMs: number[] = [];
  const decoded: number[] = [];
  for (let i = 0; i < 60; i++) {
    const timer = new SessionTimer();
    const start = nowMs();
    const logProbs = await head.logProbs(hidden, timer);
    const middle = nowMs();
    decoded.push(sampler.sample(logProbs, decoded, i < 20));
    const end = nowMs();
    if (i >= 10) {
      const inRun = timer.takeSeconds() * 1000;
      headInRunMs.push(inRun);
      headOutsideMs.push(middle - start - inRun);
      samplerMs.push(end - middle);
    }
  }
  await head.release();
  await runtime.release();

  console.log('| measurement | median |');
  console.log('| --- | ---: |');
  console.log(`| LLM prefill, overhead outside run | ${median(prefillOverhead).toFixed(3)} ms |`);
  console.log(
    `| LLM decode step, overhead outside run (tiny: hidden 32, sampler over 6564) | ${median(decodeOverhead).toFixed(3)} ms (p90 ${percentile(decodeOverhead, 0.9).toFixed(3)}) |`,
  );
  console.log(
    `| LLM decode step, inside run (tiny graph) | ${median(decodeInRun).toFixed(3)} ms |`,
  );
  for (const row of flowRows) console.log(row);
  console.log(
    `| LLM head 896 x 6564 + log-softmax (real size, ORT CPU 1 thread), inside run | ${median(headInRunMs).toFixed(3)} ms |`,
  );
  console.log(`| LLM head call, overhead outside run | ${median(headOutsideMs).toFixed(3)} ms |`);
  console.log(`| RAS sampling over 6564 logits | ${median(samplerMs).toFixed(3)} ms |`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run();
}
