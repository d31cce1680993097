/**
 * The GPU check itself (scripts/gpu-check/README.md): on the pack in GPU_CHECK_PACK_DIR, each
 * graph on the CPU and on WebGPU (times, max abs difference), the bytes that cross per token and
 * per chunk on both devices, then the engine on WebGPU with 1, 2, 4 and 8 concurrent streamed
 * syntheses. Writes results.json and results.md into GPU_CHECK_OUT. Run by run.sh in the bundle
 * (and by `npm run gpu-check -- --dry-run` here).
 */
import { Logger } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { InferenceConfig } from '../../src/config/app-config.js';
import { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import {
  buildEngineRuntime,
  type EngineRuntime,
} from '../../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { SessionTimer } from '../../src/inference/cosyvoice2/runtime/session-timer.js';
import type { VoiceFeatures } from '../../src/inference/inference.types.js';
import { loadModelPack } from '../../src/inference/model-pack/model-pack.loader.js';
import { firstAudioColdWarm, nvidiaSmiMemoryMiB, runLoadLevel } from './engine-load.js';
import { compareGraphs, recordGraphFeeds } from './graph-comparison.js';
import { measureHostTransfer } from './host-transfer.js';
import { type GpuCheckResults, resultsMarkdown } from './results-markdown.js';

/** A 3 s, 16 kHz gliding tone as the reference voice (no file to bring along). */
function referenceTone(): Float32Array {
  const rate = 16000;
  const samples = new Float32Array(3 * rate);
  let phase = 0;
  for (let n = 0; n < samples.length; n++) {
    phase += (2 * Math.PI * (140 + 60 * Math.sin((2 * Math.PI * n) / samples.length))) / rate;
    samples[n] = 0.3 * Math.sin(phase) + 0.1 * Math.sin(2 * phase);
  }
  return samples;
}

function integerList(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  return value.split(',').map((item) => {
    const parsed = Number.parseInt(item, 10);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`not a positive integer: ${item}`);
    return parsed;
  });
}

async function runtimeOn(config: InferenceConfig): Promise<EngineRuntime> {
  const pack = await loadModelPack(config);
  return buildEngineRuntime(pack, config);
}

async function main(): Promise<void> {
  Logger.overrideLogger(['fatal', 'error', 'warn']);
  const packDir = resolve(process.env.GPU_CHECK_PACK_DIR ?? 'bench-pack');
  const outDir = resolve(process.env.GPU_CHECK_OUT ?? 'gpu-check-results');
  const levels = integerList(process.env.GPU_CHECK_LEVELS, [1, 2, 4, 8]);
  const [requests] = integerList(process.env.GPU_CHECK_REQUESTS, [20]);
  const [positions] = integerList(process.env.GPU_CHECK_POSITIONS, [600]);
  await mkdir(outDir, { recursive: true });
  const started = performance.now();
  const log = (line: string) =>
    console.log(`[gpu-check ${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`);

  log(`pack ${packDir}; loading it on cpu and webgpu`);
  const cpu = await runtimeOn({ modelDir: packDir, device: 'cpu', threads: 0 });
  const gpu = await runtimeOn({ modelDir: packDir, device: 'webgpu', threads: 0 });
  let voice: VoiceFeatures | undefined;
  const feeds = await recordGraphFeeds(cpu, async () => {
    voice = await cpu.voiceFeatures.extract(
      { samples: referenceTone(), sampleRate: 16000 },
      new SessionTimer(),
    );
    const input = {
      mode: 'cross_lingual' as const,
      text: 'Hello there, this is a test.',
      promptText: '',
      voice,
      speed: 1,
      stream: true,
      seed: 1,
    };
    for await (const chunk of cpu.synthesizer.synthesize(input)) void chunk;
  });
  if (!voice) throw new Error('the reference voice was not extracted');
  log('comparing every graph on cpu and webgpu');
  const graphs = await compareGraphs(cpu, gpu, feeds);
  log('counting the bytes per token and per chunk');
  const transfer = [
    await measureHostTransfer(cpu, voice, positions, 25),
    await measureHostTransfer(gpu, voice, positions, 25),
  ];
  await cpu.release();
  await gpu.release();

  log('the engine on webgpu: warm-up, then the concurrency levels');
  const engine = new CosyVoice2Engine({ modelDir: packDir, device: 'webgpu', threads: 0 });
  await engine.load();
  const status = engine.status();
  if (!status.loaded) throw new Error(`the engine did not load: ${status.error}`);
  const engineVoice = await engine.extractVoiceFeatures({
    samples: referenceTone(),
    sampleRate: 16000,
  });
  const firstAudio = await firstAudioColdWarm(engine, engineVoice);
  const load = [];
  for (const concurrency of levels) {
    log(`${concurrency} concurrent streams, ${requests} requests`);
    load.push(await runLoadLevel(engine, engineVoice, concurrency, requests));
  }
  await engine.onApplicationShutdown();

  const results: GpuCheckResults = {
    date: new Date().toISOString(),
    node: process.version,
    pack: packDir,
    vulkanDriverFiles: process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? null,
    gpuMemoryMiBAtEnd: nvidiaSmiMemoryMiB(),
    graphs,
    transfer,
    firstAudio,
    load,
  };
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(outDir, 'results.md'), resultsMarkdown(results));
  log(`done: ${join(outDir, 'results.json')} and results.md`);
}

await main();
