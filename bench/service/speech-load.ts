import { loadavg } from 'node:os';
import type { SpeechClient, SpeechSample } from './speech-sample.js';
import { percentile } from '../stats.js';
import type { BenchText } from './text-set.js';

/** The figures of one transport at one concurrency level. */
export interface LevelResult {
  transport: string;
  clients: number;
  requests: number;
  errors: number;
  firstAudioP50Ms: number;
  firstAudioP95Ms: number;
  firstAudioP99Ms: number;
  totalP50Ms: number;
  totalP95Ms: number;
  /** Real-time factor per request: processing (total) time / seconds of audio received. */
  rtfP50: number;
  rtfP95: number;
  /** Wall time of the whole level, from the first request to the end of the last. */
  wallSeconds: number;
  /** Successful requests per second of wall time over the whole level. */
  requestsPerSecond: number;
  /** One-minute load average when the level ended. */
  load: number;
  samples: SpeechSample[];
}

/**
 * Runs `count` requests with `clients` workers at once; each worker opens its own client and
 * takes the next request as soon as its previous one ends. Request i speaks text i mod n.
 */
export async function runLevel(
  transport: string,
  openClient: () => Promise<SpeechClient>,
  texts: readonly BenchText[],
  clients: number,
  count: number,
): Promise<LevelResult> {
  const opened = await Promise.all(Array.from({ length: clients }, () => openClient()));
  const samples: SpeechSample[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    opened.map(async (client) => {
      for (let index = next++; index < count; index = next++) {
        samples.push(await client.synthesize(texts[index % texts.length]));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const client of opened) client.close();
  const ok = samples.flatMap((sample) => (sample.ok ? [sample] : []));
  const firstAudio = ok.map((sample) => sample.firstAudioMs);
  const total = ok.map((sample) => sample.totalMs);
  const rtf = ok.map((sample) => sample.totalMs / 1000 / sample.audioSeconds);
  return {
    transport,
    clients,
    requests: samples.length,
    errors: samples.length - ok.length,
    firstAudioP50Ms: percentile(firstAudio, 0.5),
    firstAudioP95Ms: percentile(firstAudio, 0.95),
    firstAudioP99Ms: percentile(firstAudio, 0.99),
    totalP50Ms: percentile(total, 0.5),
    totalP95Ms: percentile(total, 0.95),
    rtfP50: percentile(rtf, 0.5),
    rtfP95: percentile(rtf, 0.95),
    wallSeconds: seconds,
    requestsPerSecond: ok.length / seconds,
    load: loadavg()[0],
    samples,
  };
}
