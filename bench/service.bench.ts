/**
 * What the service adds around the engine, end to end over HTTP: the built service
 * (`dist/main.js`, so run `npm run build` first) as its own process on a real port, with SQLite,
 * local storage and the tiny model pack, whose graphs cost almost nothing — so the figures are
 * the service path itself (request parsing, voice lookup, limiter, resampling, encoding, SSE
 * framing) plus the engine's TypeScript side. Prints time to first audio event and total time
 * per SSE request (sequential), and requests per second with several clients at once.
 * Run alone: `npm run build && npm run bench -- service`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpeechEvents, referenceVoiceWav } from '../test/support/speech-clients.js';
import { prepareTinyPack } from '../test/support/tiny-pack.js';

const PORT = 18_080;
const BASE_URL = `http://127.0.0.1:${PORT}`;
const TOKEN = 'bench-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const SEQUENTIAL_RUNS = 15;
const CONCURRENT_CLIENTS = 4;
const CONCURRENT_ROUNDS = 5;
/** About 90 text tokens: two synthesis segments, so the first audio leaves before the second. */
const TEXT =
  'Hope you can do even better than me in the future. The weather is lovely today. '.repeat(4);

interface Timing {
  firstAudioMs: number;
  totalMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function waitUntilHealthy(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`${BASE_URL}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become healthy within 10 s');
}

async function uploadVoice(): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(referenceVoiceWav(140))]), 'voice.wav');
  form.append('text', 'Hope you can do even better than me.');
  const response = await fetch(`${BASE_URL}/api/v1/audio/reference_audio`, {
    method: 'POST',
    headers: AUTH,
    body: form,
  });
  if (!response.ok) throw new Error(`upload failed: ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}

async function timedRequest(voice: string, outputFormat: string): Promise<Timing> {
  const started = performance.now();
  let firstAudioMs = Number.NaN;
  const response = await fetch(`${BASE_URL}/api/v1/audio/speech`, {
    method: 'POST',
    headers: { ...AUTH, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', reference_audio_id: voice, text: TEXT },
      output_format: outputFormat,
      seed: 7,
    }),
  });
  await readSpeechEvents(response, (event) => {
    if (Number.isNaN(firstAudioMs) && event.output.audio.data.length > 0) {
      firstAudioMs = performance.now() - started;
    }
  });
  return { firstAudioMs, totalMs: performance.now() - started };
}

export default async function run(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cosyvoice-bench-'));
  const server = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      PORT: String(PORT),
      API_TOKENS: TOKEN,
      LOG_LEVEL: 'error',
      DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}`,
      STORAGE_DIR: join(dataDir, 'audio'),
      MODEL_DIR: await prepareTinyPack(),
      MAX_CONCURRENT_SYNTHESES: String(CONCURRENT_CLIENTS),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitUntilHealthy();
    const voice = await uploadVoice();
    console.log('| measurement (tiny pack, SSE, 24 kHz) | median |');
    console.log('| --- | ---: |');
    for (const format of ['wav', 'mp3']) {
      await timedRequest(voice, format);
      const timings: Timing[] = [];
      for (let i = 0; i < SEQUENTIAL_RUNS; i++) {
        timings.push(await timedRequest(voice, format));
      }
      const first = median(timings.map((t) => t.firstAudioMs)).toFixed(1);
      const total = median(timings.map((t) => t.totalMs)).toFixed(1);
      console.log(`| ${format}: time to first audio event | ${first} ms |`);
      console.log(`| ${format}: whole request | ${total} ms |`);
    }
    const started = performance.now();
    for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: CONCURRENT_CLIENTS }, () => timedRequest(voice, 'wav')),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const rate = ((CONCURRENT_CLIENTS * CONCURRENT_ROUNDS) / seconds).toFixed(1);
    console.log(`| wav, ${CONCURRENT_CLIENTS} clients at once: requests per second | ${rate} |`);
  } finally {
    server.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
}
