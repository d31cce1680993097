import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import { makeWav, speechLikeSamples } from '../support/reference-audio-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MAX_CONCURRENT_UPLOADS = 2;
const UPLOAD_QUEUE_SIZE = 2;
/**
 * The probe sent 50 parallel 20 MB uploads; 16 keep this shared 2-core machine's test process
 * (which holds every request body too) within a few hundred MB.
 */
const PARALLEL_UPLOADS = 16;
const UPLOAD_BYTES = 20 * 1024 * 1024;

/**
 * A 20 MB WAV that decodes to 30 s of 48 kHz speech-like sound: the audio is 2.9 MB, the rest is
 * a `JUNK` chunk before it (which readers skip), so every admitted upload is read, decoded and
 * measured whole.
 */
function largeWav(): Buffer {
  const wav = makeWav(speechLikeSamples(30, 48000), 48000);
  const junkBytes = UPLOAD_BYTES - wav.length - 8;
  const junk = Buffer.alloc(8 + junkBytes);
  junk.write('JUNK', 0, 'latin1');
  junk.writeUInt32LE(junkBytes, 4);
  const file = Buffer.concat([wav.subarray(0, 36), junk, wav.subarray(36)]);
  file.writeUInt32LE(file.length - 8, 4);
  return file;
}

/** Milliseconds /health takes to answer, each. */
async function healthLatencies(app: TestApp, count: number, gapMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${app.baseUrl}/health`);
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return latencies;
}

const run = promisify(execFile);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

describe('uploads go through an admission limit and are decoded off the main thread', () => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosyvoice-admission-'));
    app = await startTestApp({
      MAX_CONCURRENT_UPLOADS: String(MAX_CONCURRENT_UPLOADS),
      UPLOAD_QUEUE_SIZE: String(UPLOAD_QUEUE_SIZE),
      UPLOAD_QUEUE_WAIT_MS: '120000',
    });
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  it(`${PARALLEL_UPLOADS} parallel 20 MB uploads: the extra ones get 503 with Retry-After, /health stays responsive`, async () => {
    const wav = largeWav();
    expect(wav.length).toBe(UPLOAD_BYTES);
    const path = join(dir, 'large.wav');
    await writeFile(path, wav);
    const baseline = await healthLatencies(app, 20, 20);

    let storming = true;
    const during: Promise<number[]> = (async () => {
      const latencies: number[] = [];
      while (storming) {
        latencies.push(...(await healthLatencies(app, 1, 20)));
      }
      return latencies;
    })();
    // curl processes, so the uploads' client work does not run on this test's event loop
    const responses = await Promise.all(
      Array.from({ length: PARALLEL_UPLOADS }, (_, i) => curlUpload(path, `voice ${i}`, i)),
    );
    storming = false;
    const latencies = await during;

    const stored = responses.filter((response) => response.status === 200);
    const busy = responses.filter((response) => response.status === 503);
    expect(stored.length + busy.length, JSON.stringify(responses)).toBe(PARALLEL_UPLOADS);
    expect(stored.length).toBeGreaterThanOrEqual(MAX_CONCURRENT_UPLOADS + UPLOAD_QUEUE_SIZE);
    expect(busy.length).toBeGreaterThan(0);
    // curl may have been cut off before it saved a refusal's body (see curlUpload): the status
    // and Retry-After are always read, the bodies that arrived are checked, at least one did.
    expect(busy.some((response) => response.body !== undefined)).toBe(true);
    for (const response of busy) {
      expect(response.retryAfter).toBe('2');
      if (response.body === undefined) continue;
      expect(response.body).toMatchObject({
        code: 'ServerBusy',
        message: expect.stringMatching(
          /^server busy: 2 uploads running and 2 waiting \(limits 2 and 2, MAX_CONCURRENT_UPLOADS, UPLOAD_QUEUE_SIZE\); retry later$/,
        ),
      });
    }
    expect(await metric('reference_audio_refused_total{reason="server_busy"}')).toBe(busy.length);

    // /health answered all along: its median and 90th percentile stay within a small multiple
    // of its own baseline. (Before, every upload was decoded on the main thread: the probe saw
    // /health stall 13–20 s.) The worst single answer depends on how loaded the machine is, so
    // it is only reported.
    expect(latencies.length).toBeGreaterThan(3);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p90 = sorted[Math.floor(sorted.length * 0.9)];
    const report =
      `baseline median ${median(baseline).toFixed(1)} ms; during ${latencies.length} polls: ` +
      `median ${median(latencies).toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, ` +
      `max ${sorted.at(-1)!.toFixed(1)} ms`;
    expect(median(latencies), report).toBeLessThan(5 * median(baseline) + 20);
    expect(p90, report).toBeLessThan(20 * median(baseline) + 100);
    console.warn(`/health during ${PARALLEL_UPLOADS} parallel 20 MB uploads: ${report}`);
  });

  /** One upload by a curl process: its status, Retry-After and JSON body. */
  async function curlUpload(
    path: string,
    text: string,
    index: number,
  ): Promise<{ status: number; retryAfter: string | undefined; body: unknown }> {
    const bodyPath = join(dir, `answer-${index}.json`);
    const stdout = await run('curl', [
      '-s',
      '-D',
      '-',
      '-o',
      bodyPath,
      '-H',
      `authorization: Bearer ${app.token}`,
      '-F',
      `file=@${path};filename=voice.wav`,
      '-F',
      `text=${text}`,
      `${app.baseUrl}${REFERENCE_AUDIO_PATH}`,
    ]).then(
      (result) => result.stdout,
      (error: { stdout?: string }) => {
        // A refused upload is answered before its body is read, then its connection is closed
        // (Connection: close): curl may fail sending the rest once it has read that answer.
        if (error.stdout && /^HTTP\/[\d.]+ \d{3}/m.test(error.stdout)) return error.stdout;
        throw error;
      },
    );
    // the last status line (curl sends Expect: 100-continue with a large body)
    const status = Number([...stdout.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].at(-1)?.[1]);
    const retryAfter = /^retry-after: *(\S+)/im.exec(stdout)?.[1];
    const body: unknown = await readFile(bodyPath, 'utf8').then(
      (text) => JSON.parse(text) as unknown,
      () => undefined,
    );
    return { status, retryAfter, body };
  }

  it('uploads with a taken name get 409 before their bytes are decoded', async () => {
    const voice = makeWav(speechLikeSamples(3, 48000), 48000);
    expect((await uploadReferenceAudio(app, { bytes: voice, name: 'narrator' })).status).toBe(200);
    // not audio at all: decoding it would answer 400 InvalidAudio
    const garbage = Buffer.from(
      'this is not audio, and would be refused once decoded\n'.repeat(99),
    );
    const duplicates = await Promise.all(
      Array.from({ length: 4 }, () =>
        uploadReferenceAudio(app, { bytes: garbage, filename: 'x.wav', name: 'narrator' }),
      ),
    );
    for (const duplicate of duplicates) {
      expect(await duplicate.json()).toMatchObject({
        code: 'Conflict',
        message: 'name "narrator" is already taken by another reference audio',
      });
      expect(duplicate.status).toBe(409);
    }
    expect(await metric('reference_audio_refused_total{reason="name_taken"}')).toBe(4);
  });
});
