import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INFERENCE_PROVIDER } from '../../src/inference/inference.provider.js';
import type { InferenceWorkerPool } from '../../src/inference/worker/inference-worker.pool.js';
import type { WorkerPoolInferenceProvider } from '../../src/inference/worker/worker-pool.inference-provider.js';
import {
  type SpeechEvent,
  postSpeech,
  readSpeechEvents,
  uploadVoice,
} from '../support/speech-clients.js';
import { useSwiftShader } from '../support/swiftshader.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

const run = promisify(execFile);

/** A WAV's stream as ffprobe (independent of the service's encoder) reads it. */
async function probeWav(bytes: Buffer): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'webgpu-ffprobe-'));
  try {
    const file = join(dir, 'audio.wav');
    await writeFile(file, bytes);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,sample_rate,channels,duration_ts',
      '-of',
      'default=noprint_wrappers=1',
      file,
    ]);
    return Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=')),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const TEXT = 'Hello there, this is a short test.';
const MODES = [
  { mode: 'fast_replication' },
  { mode: 'cross_lingual_replication' },
  { mode: 'natural_language_replication', instruct: 'Speak slowly.' },
] as const;

/**
 * The service on INFERENCE_DEVICE=webgpu (SwiftShader) beside the same service on the CPU. Both
 * draw with the same seed; their speech tokens, hence their audio lengths, agree as long as no
 * sampling draw falls within the devices' difference (≤ 1e-3, see webgpu-graphs.spec.ts) of a
 * cumulative-probability boundary, which holds for these seeded requests.
 */
describe('the service on INFERENCE_DEVICE=webgpu (SwiftShader, tiny pack)', () => {
  let gpu: TestApp;
  let cpu: TestApp;
  const voices = new Map<TestApp, string>();
  let pool: InferenceWorkerPool;

  function speech(
    app: TestApp,
    input: Record<string, unknown>,
    stream: boolean,
    signal?: AbortSignal,
  ): Promise<Response> {
    return postSpeech(
      app,
      {
        model: 'CosyVoice2-0.5B',
        input: { reference_audio_id: voices.get(app), text: TEXT, seed: 5, ...input },
        stream,
        ...(stream ? { output_format: 'pcm' } : {}),
      },
      { signal },
    );
  }

  async function wavOf(response: Response): Promise<Buffer> {
    expect(response.status).toBe(200);
    const body = (await response.json()) as SpeechEvent;
    expect(body.output.finish_reason).toBe('stop');
    return Buffer.from(body.output.audio.data, 'base64');
  }

  beforeAll(async () => {
    useSwiftShader();
    const modelDir = await prepareTinyPack();
    gpu = await startTestApp({ MODEL_DIR: modelDir, INFERENCE_DEVICE: 'webgpu' });
    cpu = await startTestApp({
      MODEL_DIR: modelDir,
      INFERENCE_WORKERS: '1',
      INFERENCE_THREADS: '1',
    });
    for (const app of [gpu, cpu]) voices.set(app, await uploadVoice(app, 180, 'A gliding tone.'));
    pool = gpu.app.get<WorkerPoolInferenceProvider>(INFERENCE_PROVIDER, { strict: false }).pool;
  }, 600_000);

  afterAll(async () => {
    await gpu?.close();
    await cpu?.close();
  });

  it('names the device in /ready and runs one worker', async () => {
    const response = await fetch(`${gpu.baseUrl}/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { checks: { model: Record<string, unknown> } };
    expect(body.checks.model).toMatchObject({ device: 'webgpu', workers: '1/1 loaded' });
  });

  it.each(MODES)(
    '$mode: a seeded synthesis gives a 24 kHz WAV as long as the same request on the CPU',
    async (input) => {
      const audio = await probeWav(await wavOf(await speech(gpu, input, false)));
      expect(audio).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '24000', channels: '1' });
      const expected = await probeWav(await wavOf(await speech(cpu, input, false)));
      expect(audio.duration_ts).toBe(expected.duration_ts);
      expect(Number(audio.duration_ts)).toBeGreaterThan(0.2 * 24000);
    },
    300_000,
  );

  it('an abort mid-synthesis leaves the worker usable', async () => {
    const client = new AbortController();
    const response = await speech(gpu, { mode: 'cross_lingual_replication' }, true, client.signal);
    await readSpeechEvents(response, () => false);
    client.abort();
    await until(
      () => pool.usage().every((worker) => worker.activeSyntheses === 0),
      'the aborted synthesis to stop',
      120_000,
    );
    const wav = await wavOf(await speech(gpu, { mode: 'cross_lingual_replication' }, false));
    expect(Number((await probeWav(wav)).duration_ts)).toBeGreaterThan(0);
  }, 300_000);

  it('a worker that dies fails its request with EngineFailed; its replacement serves the next', async () => {
    const doomed = speech(gpu, { mode: 'cross_lingual_replication' }, false);
    await until(() => pool.usage()[0].activeSyntheses === 1, 'the synthesis on the worker', 60_000);
    await pool.terminateWorker(0);
    const failed = await doomed;
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ code: 'EngineFailed' });
    await until(
      async () => (await fetch(`${gpu.baseUrl}/ready`)).status === 200,
      'the replacement worker on webgpu',
      300_000,
    );
    const wav = await wavOf(await speech(gpu, { mode: 'cross_lingual_replication' }, false));
    expect(Number((await probeWav(wav)).duration_ts)).toBeGreaterThan(0);
  }, 600_000);
});
