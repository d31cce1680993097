/**
 * The GPU check itself (scripts/gpu-check/README.md): on the pack in GPU_CHECK_PACK_DIR, each
 * graph on the CPU and on WebGPU (times, max abs difference), the bytes that cross per token and
 * per chunk on both devices, then the service (app/service.js beside this file) on WebGPU over
 * HTTP and WebSocket with 1, 2, 4 and 8 concurrent streamed syntheses. Writes results.json and
 * results.md into GPU_CHECK_OUT (again after each service level, so a run cut short keeps what it
 * measured). Run by run.sh in the bundle (and by `npm run gpu-check -- --dry-run` here).
 */
import { Logger } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InferenceConfig } from '../../src/config/app-config.js';
import {
  buildEngineRuntime,
  type EngineRuntime,
} from '../../src/inference/cosyvoice2/runtime/engine-runtime.js';
import { SessionTimer } from '../../src/inference/cosyvoice2/runtime/session-timer.js';
import { glidingPromptTone } from '../../src/inference/cosyvoice2/runtime/shader-warm-up.js';
import type { VoiceFeatures } from '../../src/inference/inference.types.js';
import { loadModelPack } from '../../src/inference/model-pack/model-pack.loader.js';
import { compareGraphs, recordGraphFeeds } from './graph-comparison.js';
import { measureHostTransfer } from './host-transfer.js';
import { type GpuCheckResults, resultsMarkdown } from './results-markdown.js';
import { nvidiaSmiMemoryMiB, runServiceCheck } from './service-load.js';

/** The bundled service, beside this script in the bundle's app/. */
const SERVICE_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'service.js');

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

async function writeResults(outDir: string, results: GpuCheckResults): Promise<void> {
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(outDir, 'results.md'), resultsMarkdown(results));
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
    voice = await cpu.voiceFeatures.extract(glidingPromptTone(), new SessionTimer());
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

  const results = (service: GpuCheckResults['service'], complete: boolean): GpuCheckResults => ({
    date: new Date().toISOString(),
    node: process.version,
    pack: packDir,
    vulkanDriverFiles: process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? null,
    gpuMemoryMiBAtEnd: nvidiaSmiMemoryMiB(),
    complete,
    graphs,
    transfer,
    service,
  });
  await writeResults(outDir, results(null, false));

  log('the service on webgpu: start, first audio cold and warm, then the concurrency levels');
  const service = await runServiceCheck({
    main: SERVICE_MAIN,
    packDir,
    levels,
    requests,
    logFile: join(outDir, 'service.log'),
    onProgress: (sofar) => writeResults(outDir, results(sofar, false)),
    log,
  });
  await writeResults(outDir, results(service, true));
  log(`done: ${join(outDir, 'results.json')} and results.md`);
}

await main();
