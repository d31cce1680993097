import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildService,
  freePort,
  startServiceProcess,
  type ServiceProcess,
} from '../support/service-process.js';
import { prepareSlowPack } from '../support/slow-pack.js';
import {
  type SpeechEvent,
  postSpeech,
  readSpeechEvents,
  uploadVoice,
} from '../support/speech-clients.js';

const TOKEN = 'workers-dist-token-0123456789abcdef0123456789';

describe('inference workers in the compiled service (dist/main.js, slow tiny pack)', () => {
  let tempDir: string;
  let service: ServiceProcess;
  const client = () => ({ baseUrl: service.baseUrl, token: TOKEN });

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-workers-dist-'));
    const [buildDir, modelDir, port] = await Promise.all([
      buildService(),
      prepareSlowPack(),
      freePort(),
    ]);
    service = await startServiceProcess(
      buildDir,
      {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        API_TOKENS: TOKEN,
        LOG_LEVEL: 'info',
        DATABASE_URL: `sqlite:${join(tempDir, 'service.sqlite')}`,
        STORAGE_DIR: join(tempDir, 'audio'),
        MODEL_DIR: modelDir,
        INFERENCE_WORKERS: '2',
        INFERENCE_THREADS: '1',
      },
      port,
      180_000,
    );
  }, 360_000);

  afterAll(async () => {
    await service?.stop();
    await rm(tempDir, { recursive: true, force: true });
  });

  it('loads the pack in both workers from the compiled worker entry', async () => {
    const response = await fetch(`${service.baseUrl}/ready`);
    const body = (await response.json()) as { checks: { model: object } };
    expect(body.checks.model).toEqual({
      status: 'ok',
      device: 'cpu',
      test_pack: true,
      workers: '2/2 loaded',
    });
    const lines = service.output().split('\n');
    expect(lines.filter((line) => line.includes('CosyVoice2 engine ready'))).toHaveLength(1);
  });

  it('extracts, synthesises, and on SIGTERM finishes the synthesis in flight before exiting', async () => {
    const voice = await uploadVoice(client(), 160, 'A gliding tone.');
    const response = await postSpeech(client(), {
      model: 'CosyVoice2-0.5B',
      input: {
        mode: 'cross_lingual_replication',
        reference_audio_id: voice,
        text: 'The first sentence is here. The second one follows.',
      },
      stream: true,
      output_format: 'pcm',
    });
    expect(response.status).toBe(200);
    const events: SpeechEvent[] = [];
    let stopping: Promise<number | null> | undefined;
    await readSpeechEvents(response, (event) => {
      events.push(event);
      stopping ??= service.stop();
    });
    expect(events.at(-1)?.output.finish_reason).toBe('stop');
    expect(events[0].output.audio.data.length).toBeGreaterThan(0);
    expect(await stopping).toBe(0);
  });
});
