/**
 * Step 3 of the GPU check: the service itself (`app/service.js` in the bundle, built from the same
 * sources as `dist/main.js`) on WebGPU as its own process, driven over HTTP (SSE) and WebSocket by
 * the clients of `npm run bench:service`, with the definitions of CosyVoice's pressure test.
 */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import type { ServiceTarget } from '../../bench/service/service-target.js';
import { runLevel, type LevelResult } from '../../bench/service/speech-load.js';
import type { SpeechClient, SpeechSample, SpeechSettings } from '../../bench/service/speech-sample.js';
import { SseSpeechClient } from '../../bench/service/sse-speech.client.js';
import { BENCH_TEXTS } from '../../bench/service/text-set.js';
import { WsSpeechClient } from '../../bench/service/ws-speech.client.js';
import { startBenchService } from '../../bench/workers/service-process.js';
import { createReferenceAudio } from '../../test/support/http-client.js';
import { referenceVoiceWav } from '../../test/support/speech-clients.js';

/** CosyVoice2 speech tokens per second of audio. */
const TOKENS_PER_SECOND = 25;
const SAMPLE_RATE = 24000;
const SEED = 7;
const PROMPT_TEXT = 'Hope you can do even better than me in the future.';
/** Longest one synthesis may take before it counts as failed (SwiftShader's cold one: ~1 min). */
const REQUEST_TIMEOUT_MS = 300_000;
/** Longest the service may take from its start to GET /ready 200 (model load and warm-up). */
const READY_TIMEOUT_MS = 600_000;
/** Settings the check's process passes on to the service (the Vulkan driver and its loader). */
const PASSED_ON = [
  'HOME',
  'LD_LIBRARY_PATH',
  'VK_DRIVER_FILES',
  'VK_ICD_FILENAMES',
  'XDG_RUNTIME_DIR',
  'NVIDIA_VISIBLE_DEVICES',
  'NVIDIA_DRIVER_CAPABILITIES',
];

/**
 * The short texts of the service benchmark's set (one Chinese, one English), round-robin: with
 * random weights an utterance mostly runs to its cap of 20 speech tokens per text token (about
 * 5 s of audio here), and longer texts would not fit 4 levels × 2 transports × 20 requests into
 * the GPU host's time.
 */
export const SERVICE_TEXTS = BENCH_TEXTS.filter((text) => text.id.endsWith('-short'));

/** One transport at one concurrency level, with the definitions of CosyVoice's pressure test. */
export interface ServiceLevel {
  /** `HTTP (SSE)` or `WebSocket`. */
  transport: string;
  concurrency: number;
  requests: number;
  /** Share of the requests that ended with audio and no error. */
  successRate: number;
  /** Time to first packet: from sending the request to the first message carrying audio, ms. */
  ttfpP50Ms: number;
  ttfpP95Ms: number;
  ttfpP99Ms: number;
  /** Real-time factor: a request's wall time / seconds of audio it returned (median, p95). */
  rtfP50: number;
  rtfP95: number;
  /** Speech tokens per second over the level (25 per second of audio), all streams together. */
  llmTokensPerSecond: number;
  /** GPU memory in use at the end of the level (nvidia-smi, MiB) or null where none answers. */
  gpuMemoryMiB: number | null;
  /** Resident memory of the service process at the end of the level, MiB. */
  rssMiB: number;
  /** `count × message` of every distinct failure. */
  errors: string[];
}

/** What step 3 measured. */
export interface ServiceCheck {
  /** The service settings the check chose (the rest are the service's defaults). */
  settings: Record<string, string>;
  /** Ids of the texts the requests speak in turn (bench/service/text-set.ts). */
  texts: string[];
  /** From starting the process to GET /ready answering 200, ms. */
  readyMs: number;
  /** Resident memory of the service process right after /ready, MiB. */
  rssMiBAfterBoot: number;
  /** First audio over HTTP: the first request after /ready, then the same request again, ms. */
  firstAudio: { coldMs: number; warmMs: number };
  levels: ServiceLevel[];
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

function errorCounts(samples: SpeechSample[]): string[] {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    if (!sample.ok) counts.set(sample.error, (counts.get(sample.error) ?? 0) + 1);
  }
  return [...counts].map(([error, count]) => `${count} × ${error}`);
}

function serviceLevel(
  result: LevelResult,
  gpuMemoryMiB: number | null,
  rssBytes: number,
): ServiceLevel {
  const audioSeconds = result.samples.reduce(
    (sum, sample) => sum + (sample.ok ? sample.audioSeconds : 0),
    0,
  );
  return {
    transport: result.transport,
    concurrency: result.clients,
    requests: result.requests,
    successRate: (result.requests - result.errors) / result.requests,
    ttfpP50Ms: result.firstAudioP50Ms,
    ttfpP95Ms: result.firstAudioP95Ms,
    ttfpP99Ms: result.firstAudioP99Ms,
    rtfP50: result.rtfP50,
    rtfP95: result.rtfP95,
    llmTokensPerSecond: (audioSeconds * TOKENS_PER_SECOND) / result.wallSeconds,
    gpuMemoryMiB,
    rssMiB: rssBytes / 2 ** 20,
    errors: errorCounts(result.samples),
  };
}

export interface ServiceCheckOptions {
  /** The bundled service's entry script (app/service.js). */
  main: string;
  packDir: string;
  levels: number[];
  requests: number;
  /** Where the service's output goes. */
  logFile: string;
  /** Called after each level with what was measured so far (to keep partial results). */
  onProgress(check: ServiceCheck): Promise<void>;
  log(line: string): void;
}

/**
 * Starts the service on WebGPU (loopback port, API token, SQLite and storage in a temporary
 * directory), uploads a reference voice through POST /api/v1/audio/reference_audio, measures the
 * cold and warm first audio over HTTP, then for each concurrency level runs `requests` streamed
 * syntheses over HTTP (SSE) and then over WebSocket (run-task, continue-task, finish-task).
 */
export async function runServiceCheck(options: ServiceCheckOptions): Promise<ServiceCheck> {
  const settings = {
    INFERENCE_DEVICE: 'webgpu',
    MAX_CONCURRENT_SYNTHESES: String(Math.max(...options.levels)),
    UI_ENABLED: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const passed = Object.fromEntries(
    PASSED_ON.flatMap((name) => {
      const value = process.env[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const started = performance.now();
  const service = await startBenchService({
    main: options.main,
    cwd: dirname(options.main),
    modelDir: options.packDir,
    env: { ...passed, ...settings },
    readyTimeoutMs: READY_TIMEOUT_MS,
    logFile: options.logFile,
  });
  try {
    const check: ServiceCheck = {
      settings,
      texts: SERVICE_TEXTS.map((text) => text.id),
      readyMs: performance.now() - started,
      rssMiBAfterBoot: (await service.rssBytes()) / 2 ** 20,
      firstAudio: { coldMs: Number.NaN, warmMs: Number.NaN },
      levels: [],
    };
    options.log(`service ready in ${(check.readyMs / 1000).toFixed(1)} s; uploading a voice`);
    const target: ServiceTarget = {
      baseUrl: service.baseUrl,
      wsUrl: service.baseUrl.replace(/^http/, 'ws'),
      token: service.token,
      description: 'the bundled service on webgpu',
      close: () => service.close(),
    };
    const speech: SpeechSettings = {
      voiceId: await createReferenceAudio(target, {
        bytes: referenceVoiceWav(150),
        filename: 'gpu-check-voice.wav',
        text: PROMPT_TEXT,
      }),
      outputFormat: 'wav',
      sampleRate: SAMPLE_RATE,
      seed: SEED,
      timeoutMs: REQUEST_TIMEOUT_MS,
    };
    const http = new SseSpeechClient(target, speech);
    const cold = await http.synthesize(SERVICE_TEXTS[0]);
    const warm = await http.synthesize(SERVICE_TEXTS[0]);
    if (!cold.ok || !warm.ok) {
      throw new Error(`the first syntheses through the service failed: ${errorCounts([cold, warm])}`);
    }
    check.firstAudio = { coldMs: cold.firstAudioMs, warmMs: warm.firstAudioMs };
    const transports: { name: string; open: () => Promise<SpeechClient> }[] = [
      { name: 'HTTP (SSE)', open: () => Promise.resolve(new SseSpeechClient(target, speech)) },
      { name: 'WebSocket', open: () => WsSpeechClient.open(target, speech) },
    ];
    for (const concurrency of options.levels) {
      for (const transport of transports) {
        options.log(`${transport.name}: ${concurrency} at once, ${options.requests} requests`);
        const result = await runLevel(
          transport.name,
          transport.open,
          SERVICE_TEXTS,
          concurrency,
          options.requests,
        );
        check.levels.push(serviceLevel(result, nvidiaSmiMemoryMiB(), await service.rssBytes()));
        await options.onProgress(check);
      }
    }
    return check;
  } finally {
    await service.close();
  }
}
