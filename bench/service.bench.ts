/**
 * The service end to end, driven the way clients drive it (BENCHMARKS.md "Service"):
 * `npm run bench:service` (builds, then spawns `dist/main.js` with SQLite, local storage in a
 * temporary directory and the tiny model pack), or `npm run bench -- service` after
 * `npm run build`.
 *
 * Per transport (SSE over HTTP, WebSocket duplex tasks, the OpenAI-compatible POST
 * /v1/audio/speech with stream_format "audio") and per concurrency level, N requests
 * speak the fixed text set round-robin; reported: time to first audio and total time (p50/p95),
 * real-time factor (total time / seconds of audio decoded from what was received), requests per
 * second and errors. Then autocannon loads GET reference_audio (list) and GET reference_audio/:id.
 *
 * Environment (settings in bench/service/service-bench.settings.ts): BENCH_BASE_URL +
 * BENCH_TOKEN drive an already running service instead (e.g. a GPU host with the real pack);
 * BENCH_MODEL_DIR spawns the service over another pack; BENCH_CONCURRENCY (1,2,4,8),
 * BENCH_REQUESTS (24 per level and transport), BENCH_FORMAT (wav), BENCH_HTTP_SECONDS (10),
 * BENCH_HTTP_CONNECTIONS (10), BENCH_VOICES (20).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { createReferenceAudio, REFERENCE_AUDIO_PATH } from '../test/support/http-client.js';
import { referenceVoiceWav } from '../test/support/speech-clients.js';
import { markdownTable } from './service/markdown-table.js';
import { OpenAiSpeechClient } from './service/openai-speech.client.js';
import {
  loadReferenceAudioEndpoints,
  type HttpLoadResult,
} from './service/reference-audio-load.js';
import { readServiceBenchSettings } from './service/service-bench.settings.js';
import { startServiceTarget, type ServiceTarget } from './service/service-target.js';
import { runLevel, type LevelResult } from './service/speech-load.js';
import type { SpeechClient, SpeechSample, SpeechSettings } from './service/speech-sample.js';
import { SseSpeechClient } from './service/sse-speech.client.js';
import { median } from './stats.js';
import { BENCH_TEXTS } from './service/text-set.js';
import { WsSpeechClient } from './service/ws-speech.client.js';

const SAMPLE_RATE = 24000;
const SEED = 7;
const PROMPT_TEXT = 'Hope you can do even better than me in the future.';

const ms = (value: number): string =>
  Number.isNaN(value) ? '–' : value < 100 ? value.toFixed(1) : value.toFixed(0);
const ratio = (value: number): string => (Number.isNaN(value) ? '–' : value.toFixed(3));
const seconds = (value: number): string => (Number.isNaN(value) ? '–' : value.toFixed(2));
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

/** Uploads `count` voices, adding each id to `ids` as soon as it exists (so it gets deleted). */
async function uploadVoices(target: ServiceTarget, count: number, ids: string[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    ids.push(
      await createReferenceAudio(target, {
        bytes: referenceVoiceWav(120 + 5 * i),
        filename: `bench-voice-${i}.wav`,
        text: PROMPT_TEXT,
      }),
    );
  }
}

async function deleteVoices(target: ServiceTarget, ids: string[]): Promise<void> {
  for (const id of ids) {
    await fetch(`${target.baseUrl}${REFERENCE_AUDIO_PATH}/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${target.token}` },
    });
  }
}

function speechTable(results: LevelResult[]): string {
  return markdownTable(
    [
      'transport',
      'clients',
      'requests',
      'errors',
      'TTFA p50 ms',
      'TTFA p95 ms',
      'total p50 ms',
      'total p95 ms',
      'RTF p50',
      'RTF p95',
      'req/s',
      'load 1 min',
    ],
    results.map((result) => [
      result.transport,
      String(result.clients),
      String(result.requests),
      String(result.errors),
      ms(result.firstAudioP50Ms),
      ms(result.firstAudioP95Ms),
      ms(result.totalP50Ms),
      ms(result.totalP95Ms),
      ratio(result.rtfP50),
      ratio(result.rtfP95),
      result.requestsPerSecond.toFixed(2),
      result.load.toFixed(2),
    ]),
    ['l'],
  );
}

/** Per text: audio received, and time to first audio / total time with one client at a time. */
function textTable(results: LevelResult[]): string {
  const all = results.flatMap((result) => result.samples);
  const single = results.filter((result) => result.clients === 1);
  const transports = single.map((result) => result.transport);
  return markdownTable(
    [
      'text',
      'characters',
      'audio s',
      ...transports.flatMap((name) => [`${name} TTFA ms`, `${name} total ms`]),
    ],
    BENCH_TEXTS.map((text) => {
      const okFor = (samples: SpeechSample[]) =>
        samples.flatMap((sample) => (sample.ok && sample.textId === text.id ? [sample] : []));
      return [
        text.id,
        String([...text.text].length),
        seconds(median(okFor(all).map((sample) => sample.audioSeconds))),
        ...single.flatMap((result) => {
          const samples = okFor(result.samples);
          return [
            ms(median(samples.map((sample) => sample.firstAudioMs))),
            ms(median(samples.map((sample) => sample.totalMs))),
          ];
        }),
      ];
    }),
    ['l'],
  );
}

function httpTable(results: HttpLoadResult[]): string {
  return markdownTable(
    ['endpoint', 'connections', 'seconds', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors'],
    results.map((result) => [
      result.endpoint,
      String(result.connections),
      String(result.seconds),
      String(result.requests),
      result.requestsPerSecond.toFixed(0),
      String(result.latencyP50Ms),
      String(result.latencyP99Ms),
      String(result.errors),
    ]),
    ['l'],
  );
}

function errorSummary(results: LevelResult[]): string[] {
  const counts = new Map<string, number>();
  for (const sample of results.flatMap((result) => result.samples)) {
    if (!sample.ok) counts.set(sample.error, (counts.get(sample.error) ?? 0) + 1);
  }
  return [...counts].map(([error, count]) => `${count} × ${error}`);
}

export default async function run(): Promise<void> {
  const settings = readServiceBenchSettings();
  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}; load ${load()}`,
  );
  const target = await startServiceTarget(settings);
  console.log(`target: ${target.description}`);
  const voices: string[] = [];
  try {
    await uploadVoices(target, settings.voices, voices);
    const speech: SpeechSettings = {
      voiceId: voices[0],
      outputFormat: settings.outputFormat,
      sampleRate: SAMPLE_RATE,
      seed: SEED,
      timeoutMs: settings.requestTimeoutMs,
    };
    const transports: { name: string; open: () => Promise<SpeechClient> }[] = [
      { name: 'SSE', open: () => Promise.resolve(new SseSpeechClient(target, speech)) },
      { name: 'WebSocket', open: () => WsSpeechClient.open(target, speech) },
      {
        name: 'OpenAI audio',
        open: () => Promise.resolve(new OpenAiSpeechClient(target, speech)),
      },
    ];
    console.log(
      `speech: ${settings.requestsPerLevel} requests per level, texts round-robin, ` +
        `${settings.outputFormat} ${SAMPLE_RATE} Hz, seed ${SEED}, one warm-up pass per transport`,
    );
    const results: LevelResult[] = [];
    for (const transport of transports) {
      await runLevel(transport.name, transport.open, BENCH_TEXTS, 1, BENCH_TEXTS.length);
      for (const clients of settings.levels) {
        const result = await runLevel(
          transport.name,
          transport.open,
          BENCH_TEXTS,
          clients,
          settings.requestsPerLevel,
        );
        results.push(result);
        console.log(
          `  ${transport.name} × ${clients}: ${result.requestsPerSecond.toFixed(2)} req/s, ` +
            `${result.errors} errors`,
        );
      }
    }
    console.log(
      `\n${speechTable(results)}\n\nmedians per text (audio: all requests; times: 1 client):\n\n${textTable(results)}`,
    );
    const errors = errorSummary(results);
    if (errors.length > 0) console.log(`\nerrors:\n${errors.join('\n')}`);

    console.log(
      `\nreference audio (autocannon, ${settings.httpConnections} connections, ` +
        `${settings.httpSeconds} s each, ${voices.length} voices stored); load ${load()}`,
    );
    const http = await loadReferenceAudioEndpoints(
      target,
      voices[0],
      settings.httpConnections,
      settings.httpSeconds,
    );
    console.log(`\n${httpTable(http)}\n\nload at the end: ${load()}`);
  } finally {
    await deleteVoices(target, voices);
    await target.close();
  }
}
