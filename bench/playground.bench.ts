/**
 * The web playground (BENCHMARKS.md "Playground"): `npm run bench:playground` (builds, then
 * spawns `dist/main.js` over the tiny pack, or BENCH_MODEL_DIR's pack, like bench:service).
 *
 * Reports the size of the page's files (raw and gzip) and, in headless Chromium, what the page
 * itself shows after each synthesis of the short texts of the benchmark set: time to first audio
 * (click to the first chunk received), real-time factor and seconds produced; streamed over the
 * WebSocket and whole over REST, seed 7. BENCH_PLAYGROUND_RUNS (default 6) runs per mode.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { REPOSITORY_DIR } from '../test/support/compose-project.js';
import { createReferenceAudio } from '../test/support/http-client.js';
import { launchChromium, openPage } from '../test/support/playground-browser.js';
import { referenceVoiceWav } from '../test/support/speech-clients.js';
import { markdownTable } from './service/markdown-table.js';
import { readServiceBenchSettings } from './service/service-bench.settings.js';
import { startServiceTarget } from './service/service-target.js';
import { BENCH_TEXTS } from './service/text-set.js';
import { median, percentile } from './stats.js';

const BUNDLE_DIR = join(REPOSITORY_DIR, 'web', 'dist');
const RUNS = Number(process.env.BENCH_PLAYGROUND_RUNS ?? 6);
const SHORT_TEXTS = BENCH_TEXTS.filter((text) => text.id.endsWith('-short'));

function bundleTable(): string {
  const files = [
    'index.html',
    ...readdirSync(join(BUNDLE_DIR, 'assets')).map((name) => `assets/${name}`),
  ];
  const rows = files.map((file) => {
    const bytes = readFileSync(join(BUNDLE_DIR, file));
    return [
      file.replace(/-[\w-]{8}\./, '-<hash>.'),
      String(bytes.length),
      String(gzipSync(bytes).length),
    ];
  });
  const total = (column: number) => String(rows.reduce((sum, row) => sum + Number(row[column]), 0));
  return markdownTable(
    ['file', 'bytes', 'gzip bytes'],
    [...rows, ['**total**', total(1), total(2)]],
  );
}

interface PageResult {
  firstAudioMs: number;
  realTimeFactor: number;
  producedSeconds: number;
}

async function synthesizeOnce(page: Page, text: string): Promise<PageResult> {
  await page.getByRole('textbox', { name: 'Text to speak' }).fill(text);
  await page.getByRole('button', { name: 'Synthesize' }).click();
  await page
    .getByRole('link', { name: 'Download' })
    .waitFor({ state: 'visible', timeout: 300_000 });
  const read = async (id: string) =>
    Number.parseFloat((await page.locator(`#${id}`).textContent()) ?? '');
  const result = {
    firstAudioMs: await read('first-audio'),
    realTimeFactor: await read('real-time-factor'),
    producedSeconds: await read('produced'),
  };
  await page.getByRole('button', { name: 'Synthesize' }).and(page.locator(':enabled')).waitFor();
  return result;
}

export default async function playgroundBench(): Promise<void> {
  const target = await startServiceTarget(readServiceBenchSettings());
  const browser = await launchChromium('/dev/null');
  try {
    await createReferenceAudio(target, {
      bytes: referenceVoiceWav(180),
      filename: 'bench-voice.wav',
      text: 'Hope you can do even better than me in the future.',
    });
    const { page, context } = await openPage(browser, target.token);
    await page.goto(`${target.baseUrl}/`);
    await page.getByLabel('Seed').fill('7');
    const rows: string[][] = [];
    for (const streaming of [true, false]) {
      await page.getByLabel('Streaming').setChecked(streaming);
      const results: PageResult[] = [];
      for (let run = 0; run < RUNS; run++) {
        results.push(await synthesizeOnce(page, SHORT_TEXTS[run % SHORT_TEXTS.length].text));
      }
      const firstAudio = results.map((result) => result.firstAudioMs);
      rows.push([
        streaming ? 'streamed (WebSocket, wav)' : 'whole (REST stream:false, wav)',
        String(results.length),
        median(firstAudio).toFixed(0),
        percentile(firstAudio, 0.95).toFixed(0),
        median(results.map((result) => result.realTimeFactor)).toFixed(3),
        median(results.map((result) => result.producedSeconds)).toFixed(2),
      ]);
    }
    await context.close();
    console.log(
      `\n${target.description}; load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(', ')}\n`,
    );
    console.log(bundleTable());
    console.log();
    console.log(
      markdownTable(['mode', 'runs', 'TTFA p50 ms', 'TTFA p95 ms', 'RTF p50', 'audio p50 s'], rows),
    );
  } finally {
    await browser.close();
    await target.close();
  }
}
