/**
 * The cost of the engine-node hop (BENCHMARKS.md "Engine node over loopback gRPC"), in one run on
 * one machine: `npm run bench:engine-hop`. The same tiny pack, one worker thread with one
 * intra-op thread on each side: the in-process worker pool (what the service uses without
 * ENGINE_NODES) against one engine node process reached over loopback gRPC through the API
 * service's provider (ENGINE_NODES). For 1, 2 and 4 concurrent streamed syntheses of the same
 * sentence and seed, the two take turns round by round; printed per side and concurrency: time
 * to first audio p50/p95 (from the synthesize call to the first chunk) and audio seconds per wall
 * second, plus the load average. BENCH_ROUNDS (default 15) sets the rounds per concurrency,
 * BENCH_WARM_UP (default 10) the syntheses per side before them.
 * On a loaded machine first-audio times scatter by far more than the hop costs, so the hop is
 * also given as the median of the per-round differences (the sides run back to back) and as the
 * round trip of one unary call on the same channel (the floor of what the hop adds), and as CPU
 * time: the CPU milliseconds per synthesis of both processes together (this one, and the engine
 * node's from /proc), which waiting for a loaded machine's cores does not inflate.
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { decodeWav } from '../src/audio/wav.decoder.js';
import { engineService } from '../src/inference/grpc/engine-proto.js';
import { EngineFleetInferenceProvider } from '../src/inference/engine-fleet/engine-fleet.inference-provider.js';
import type { InferenceProvider } from '../src/inference/inference.provider.js';
import { ENGINE_SAMPLE_RATE, type VoiceFeatures } from '../src/inference/inference.types.js';
import { WorkerPoolInferenceProvider } from '../src/inference/worker/worker-pool.inference-provider.js';
import { startEngineNode } from '../test/support/engine-node-process.js';
import { referenceVoiceWav } from '../test/support/speech-clients.js';
import { prepareTinyPack } from '../test/support/tiny-pack.js';
import { percentile } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '15');
/** Syntheses per side before the rounds: the engine node's gRPC and protobuf code warms up too. */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? '10');
const TEXT = 'Hello there, good morning to you. This is a benchmark sentence.';
const CONCURRENCY = [1, 2, 4];

interface Run {
  firstAudioMs: number;
  audioSeconds: number;
}

async function synthesizeOnce(provider: InferenceProvider, voice: VoiceFeatures): Promise<Run> {
  const started = performance.now();
  let firstAudioMs = Number.NaN;
  let samples = 0;
  for await (const chunk of provider.synthesize({
    mode: 'cross_lingual',
    text: TEXT,
    promptText: '',
    voice,
    speed: 1,
    stream: true,
    seed: 7,
  })) {
    if (samples === 0) firstAudioMs = performance.now() - started;
    samples += chunk.samples.length;
  }
  return { firstAudioMs, audioSeconds: samples / ENGINE_SAMPLE_RATE };
}

interface Totals {
  firstAudio: number[];
  audioSeconds: number;
  wallSeconds: number;
  /** CPU time of both processes during this side's rounds. */
  cpuMs: number;
}

/** Linux's clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux ABI). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU ms used so far by this process (all its threads) and by the process `pid`. */
function cpuMsOf(pid: number): number {
  const own = process.cpuUsage();
  // /proc/<pid>/stat: the fields after the parenthesised name; utime and stime are 14 and 15
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (own.user + own.system) / 1000 + (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

async function round(
  provider: InferenceProvider,
  voice: VoiceFeatures,
  concurrency: number,
  totals: Totals,
): Promise<void> {
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: concurrency }, () => synthesizeOnce(provider, voice)),
  );
  totals.wallSeconds += (performance.now() - started) / 1000;
  for (const run of runs) {
    totals.firstAudio.push(run.firstAudioMs);
    totals.audioSeconds += run.audioSeconds;
  }
}

/** Round trips of `count` Describe calls on one channel, in ms. */
async function unaryRoundTrips(address: string, count: number): Promise<number[]> {
  const client = new (engineService())(address, credentials.createInsecure());
  const describe = client.Describe as unknown as (
    request: object,
    metadata: Metadata,
    callback: (error: Error | null) => void,
  ) => void;
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      describe.call(client, {}, new Metadata(), (error) =>
        error ? reject(error) : resolve(performance.now() - started),
      );
    });
  await once();
  const times: number[] = [];
  for (let index = 0; index < count; index++) times.push(await once());
  client.close();
  return times;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const modelDir = await prepareTinyPack();
  const inference = { modelDir, device: 'cpu' as const, threads: 1, workers: 1 };
  const local = new WorkerPoolInferenceProvider(inference);
  await local.onModuleInit();
  const node = await startEngineNode(modelDir, { ENGINE_SLOTS: '4', LOG_LEVEL: 'warn' });
  const remote = new EngineFleetInferenceProvider(
    { nodes: [node.address], listen: '', slots: 0, tls: {} },
    30_000,
  );
  await remote.onModuleInit();
  try {
    while (remote.status().fleet?.ready !== 1) await new Promise((r) => setTimeout(r, 100));
    const voice = await local.extractVoiceFeatures(decodeWav(referenceVoiceWav(180)));
    const sides: [string, InferenceProvider][] = [
      ['in-process', local],
      ['engine node (gRPC)', remote],
    ];
    for (let index = 0; index < WARM_UP; index++) {
      for (const [, provider] of sides) await synthesizeOnce(provider, voice);
    }
    const rows: string[] = [];
    for (const concurrency of CONCURRENCY) {
      const totals = new Map<string, Totals>(
        sides.map(([name]) => [
          name,
          { firstAudio: [], audioSeconds: 0, wallSeconds: 0, cpuMs: 0 },
        ]),
      );
      const differences: number[] = [];
      for (let index = 0; index < ROUNDS; index++) {
        const medians: number[] = [];
        for (const [name, provider] of sides) {
          const total = totals.get(name)!;
          const from = total.firstAudio.length;
          const cpuBefore = cpuMsOf(node.child.pid!);
          await round(provider, voice, concurrency, total);
          total.cpuMs += cpuMsOf(node.child.pid!) - cpuBefore;
          medians.push(percentile(total.firstAudio.slice(from), 0.5));
        }
        differences.push(medians[1] - medians[0]);
      }
      const p50 = new Map<string, number>();
      const cpu = new Map<string, number>();
      for (const [name] of sides) {
        const total = totals.get(name)!;
        p50.set(name, percentile(total.firstAudio, 0.5));
        cpu.set(name, total.cpuMs / total.firstAudio.length);
        rows.push(
          `| ${concurrency} | ${name} | ${percentile(total.firstAudio, 0.5).toFixed(1)} | ` +
            `${percentile(total.firstAudio, 0.95).toFixed(1)} | ` +
            `${(total.audioSeconds / total.wallSeconds).toFixed(2)} | ` +
            `${cpu.get(name)!.toFixed(1)} |`,
        );
      }
      rows.push(
        `| ${concurrency} | hop: p50 difference / median of per-round differences | ` +
          `${(p50.get(sides[1][0])! - p50.get(sides[0][0])!).toFixed(1)} / ` +
          `${percentile(differences, 0.5).toFixed(1)} | | | ` +
          `${(cpu.get(sides[1][0])! - cpu.get(sides[0][0])!).toFixed(1)} |`,
      );
    }
    const trips = await unaryRoundTrips(node.address, 200);
    console.log(
      `unary round trip on the channel (200 calls): p50 ${percentile(trips, 0.5).toFixed(2)} ms, ` +
        `p95 ${percentile(trips, 0.95).toFixed(2)} ms`,
    );
    console.log(
      `rounds per concurrency: ${ROUNDS}; load average at the end: ${loadavg()
        .map((v) => v.toFixed(2))
        .join(', ')}`,
    );
    console.log(
      '| concurrent | side | first audio p50 (ms) | first audio p95 (ms) | audio s per wall s | ' +
        'CPU ms per synthesis |',
    );
    console.log(
      '| ---------- | ---- | -------------------- | -------------------- | ------------------ | ' +
        '-------------------- |',
    );
    for (const row of rows) console.log(row);
  } finally {
    remote.onApplicationShutdown();
    await local.onApplicationShutdown();
    await node.stop('SIGTERM');
  }
}

await main();
