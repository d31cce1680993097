import type { BenchOutputFormat } from './speech-sample.js';

/** What the service benchmark runs, from environment variables (all optional). */
export interface ServiceBenchSettings {
  /** BENCH_BASE_URL: drive this running service instead of spawning dist/main.js. */
  baseUrl: string | undefined;
  /** BENCH_TOKEN: its bearer token (required with BENCH_BASE_URL). */
  token: string;
  /** BENCH_MODEL_DIR: the pack the spawned service loads (default: a fresh tiny pack). */
  modelDir: string | undefined;
  /** BENCH_CONCURRENCY: clients at once, one level after the other (default 1,2,4,8). */
  levels: number[];
  /** BENCH_REQUESTS: requests per level and transport (default 24 = each text 4 times). */
  requestsPerLevel: number;
  /** BENCH_FORMAT: output format asked for (default wav). */
  outputFormat: BenchOutputFormat;
  /** BENCH_HTTP_SECONDS: autocannon duration per reference-audio endpoint (default 10). */
  httpSeconds: number;
  /** BENCH_HTTP_CONNECTIONS: autocannon connections (default 10). */
  httpConnections: number;
  /** BENCH_VOICES: reference voices uploaded, so the list has entries (default 20). */
  voices: number;
  /** BENCH_READY_TIMEOUT_S: how long to wait for GET /ready (default 120). */
  readyTimeoutMs: number;
  /** BENCH_REQUEST_TIMEOUT_S: longest one synthesis may take (default 300). */
  requestTimeoutMs: number;
}

const FORMATS: readonly BenchOutputFormat[] = ['wav', 'pcm', 'mp3'];

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function levels(): number[] {
  const raw = process.env.BENCH_CONCURRENCY;
  if (raw === undefined || raw === '') return [1, 2, 4, 8];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`BENCH_CONCURRENCY must be positive integers like 1,2,4,8, got ${raw}`);
  }
  return values;
}

function outputFormat(): BenchOutputFormat {
  const raw = process.env.BENCH_FORMAT ?? 'wav';
  const format = FORMATS.find((candidate) => candidate === raw);
  if (format === undefined) throw new Error(`BENCH_FORMAT must be one of ${FORMATS.join(', ')}`);
  return format;
}

export function readServiceBenchSettings(): ServiceBenchSettings {
  const baseUrl = process.env.BENCH_BASE_URL || undefined;
  const token = process.env.BENCH_TOKEN ?? '';
  if (baseUrl !== undefined && token === '') {
    throw new Error('BENCH_BASE_URL needs BENCH_TOKEN (one of the service’s API_TOKENS)');
  }
  return {
    baseUrl,
    token,
    modelDir: process.env.BENCH_MODEL_DIR || undefined,
    levels: levels(),
    requestsPerLevel: positiveInteger('BENCH_REQUESTS', 24),
    outputFormat: outputFormat(),
    httpSeconds: positiveInteger('BENCH_HTTP_SECONDS', 10),
    httpConnections: positiveInteger('BENCH_HTTP_CONNECTIONS', 10),
    voices: positiveInteger('BENCH_VOICES', 20),
    readyTimeoutMs: positiveInteger('BENCH_READY_TIMEOUT_S', 120) * 1000,
    requestTimeoutMs: positiveInteger('BENCH_REQUEST_TIMEOUT_S', 300) * 1000,
  };
}
