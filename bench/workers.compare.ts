/**
 * Main-thread responsiveness and throughput of two builds of the service side by side, in one run
 * (BENCHMARKS.md "Inference in worker threads"): `npm run bench:workers -- <pack> <label>=<checkout> ...`,
 * e.g. `npm run bench:workers -- <bench-pack-dir> before=<old-checkout> after=.` Each checkout
 * must be built (`dist/main.js`). For each, one after the other: spawn it over the pack, upload a
 * voice, warm up with one synthesis, then run 1 and then 2 streamed (SSE) syntheses at once while
 * `GET /health` is polled every 50 ms. Printed per build and concurrency: /health latency
 * p50/p99/max, the event-loop lag p99/max that the service itself measured over the phase
 * (prom-client, read from /metrics), time to first audio, RTF, audio seconds per wall second,
 * and the peak resident memory of the process during the phase; plus the load average.
 * BENCH_TEXT overrides the sentence; BENCH_ROUNDS (1) repeats each phase.
 * Settings for every build come from BENCH_ENV_<label> (e.g. BENCH_ENV_after="INFERENCE_WORKERS=2").
 */
import { loadavg, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createReferenceAudio } from '../test/support/http-client.js';
import { referenceVoiceWav } from '../test/support/speech-clients.js';
import { markdownTable } from './service/markdown-table.js';
import type { SpeechSample } from './service/speech-sample.js';
import { SseSpeechClient } from './service/sse-speech.client.js';
import type { BenchText } from './service/text-set.js';
import { median, percentile } from './stats.js';
import { startBenchService, type BenchService } from './workers/service-process.js';

const TEXT = process.env.BENCH_TEXT ?? 'Hello there, good morning to you.';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '1');
const HEALTH_INTERVAL_MS = 50;
const PROMPT_TEXT = 'Hope you can do even better than me in the future.';

interface PhaseResult {
  label: string;
  concurrency: number;
  health: number[];
  lagP99Ms: number;
  lagMaxMs: number;
  samples: SpeechSample[];
  wallSeconds: number;
  peakRssBytes: number;
  load: string;
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

/** The named metrics of one scrape of /metrics (each scrape resets the event-loop histogram). */
async function metrics(service: BenchService, names: string[]): Promise<number[]> {
  const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
  return names.map((name) => {
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : Number.NaN;
  });
}

const LAG_METRICS = ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds'];

/** Runs `concurrency` syntheses at once, `ROUNDS` times, polling /health and the memory meanwhile. */
async function phase(
  label: string,
  service: BenchService,
  client: SseSpeechClient,
  concurrency: number,
): Promise<PhaseResult> {
  const loadAtStart = load();
  await metrics(service, LAG_METRICS);
  const health: number[] = [];
  let peakRssBytes = 0;
  let running = true;
  const poll = (async () => {
    while (running) {
      const sent = performance.now();
      await fetch(`${service.baseUrl}/health`).then((response) => response.arrayBuffer());
      health.push(performance.now() - sent);
      peakRssBytes = Math.max(peakRssBytes, await service.rssBytes());
      await new Promise((resolve) => setTimeout(resolve, HEALTH_INTERVAL_MS));
    }
  })();
  const samples: SpeechSample[] = [];
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const text: BenchText = { id: 'bench', text: TEXT, pieces: [TEXT] };
    samples.push(
      ...(await Promise.all(Array.from({ length: concurrency }, () => client.synthesize(text)))),
    );
  }
  const wallSeconds = (performance.now() - started) / 1000;
  running = false;
  await poll;
  const [lagP99, lagMax] = await metrics(service, LAG_METRICS);
  const [lagP99Ms, lagMaxMs] = [1000 * lagP99, 1000 * lagMax];
  return {
    label,
    concurrency,
    health,
    lagP99Ms,
    lagMaxMs,
    samples,
    wallSeconds,
    peakRssBytes,
    load: `${loadAtStart} → ${load()}`,
  };
}

function envOf(label: string): Record<string, string> {
  const spec = process.env[`BENCH_ENV_${label}`] ?? '';
  return Object.fromEntries(
    spec
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

async function benchBuild(label: string, checkout: string, pack: string): Promise<PhaseResult[]> {
  const env = envOf(label);
  const bootStarted = performance.now();
  const service = await startBenchService({
    main: join(checkout, 'dist', 'main.js'),
    cwd: checkout,
    modelDir: pack,
    env,
  });
  const bootSeconds = (performance.now() - bootStarted) / 1000;
  console.log(
    `${label}: ${checkout} ready in ${bootSeconds.toFixed(1)} s, ${(
      (await service.rssBytes()) /
      2 ** 30
    ).toFixed(2)} GiB resident after boot (${JSON.stringify(env)})`,
  );
  try {
    const voiceId = await createReferenceAudio(service, {
      bytes: referenceVoiceWav(150),
      filename: 'bench-voice.wav',
      text: PROMPT_TEXT,
    });
    const client = new SseSpeechClient(
      { ...service, wsUrl: '', description: label, close: async () => undefined },
      { voiceId, outputFormat: 'pcm', sampleRate: 24000, seed: 7, timeoutMs: 1_800_000 },
    );
    await client.synthesize({ id: 'warm-up', text: TEXT, pieces: [TEXT] });
    const results: PhaseResult[] = [];
    for (const concurrency of [1, 2]) {
      const result = await phase(label, service, client, concurrency);
      console.log(`${label} at concurrency ${concurrency}: | ${row(result).join(' | ')} |`);
      results.push(result);
    }
    return results;
  } finally {
    await service.close();
  }
}

function row(result: PhaseResult): string[] {
  const ok = result.samples.filter((sample) => sample.ok);
  const audioSeconds = ok.reduce((sum, sample) => sum + sample.audioSeconds, 0);
  const f = (value: number, digits = 0) => (Number.isNaN(value) ? '–' : value.toFixed(digits));
  return [
    result.label,
    String(result.concurrency),
    `${ok.length}/${result.samples.length}`,
    f(median(result.health)),
    f(percentile(result.health, 0.99)),
    f(Math.max(...result.health)),
    String(result.health.length),
    f(result.lagP99Ms),
    f(result.lagMaxMs),
    f(median(ok.map((sample) => sample.firstAudioMs)) / 1000, 1),
    f(median(ok.map((sample) => sample.totalMs / 1000 / sample.audioSeconds)), 2),
    f(audioSeconds / result.wallSeconds, 3),
    f(result.peakRssBytes / 2 ** 30, 2),
    result.load,
  ];
}

async function main(): Promise<void> {
  const [pack, ...builds] = process.argv.slice(2);
  if (!pack || builds.length === 0 || builds.some((build) => !build.includes('='))) {
    console.error('usage: npm run bench:workers -- <pack dir> <label>=<checkout> ...');
    process.exit(2);
  }
  console.log(
    `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
      `Node ${process.version}; text ${JSON.stringify(TEXT)}, ${ROUNDS} round(s) per phase`,
  );
  const results: PhaseResult[] = [];
  for (const build of builds) {
    const [label, checkout] = [
      build.slice(0, build.indexOf('=')),
      build.slice(build.indexOf('=') + 1),
    ];
    results.push(...(await benchBuild(label, checkout, pack)));
  }
  console.log(
    markdownTable(
      [
        'build',
        'syntheses at once',
        'ok',
        '/health p50 ms',
        'p99 ms',
        'max ms',
        'polls',
        'event-loop lag p99 ms',
        'lag max ms',
        'first audio s (p50)',
        'RTF (p50)',
        'audio s per wall s',
        'peak RSS GiB',
        'load average start → end',
      ],
      results.map(row),
    ),
  );
}

await main();
