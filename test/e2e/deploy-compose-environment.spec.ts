import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../src/audio/audio-decoder.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { resolveComposeProject } from '../support/compose-project.js';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { S3TestServer, startS3TestServer } from '../support/s3-test-server.js';
import {
  buildService,
  freePort,
  ServiceProcess,
  startServiceProcess,
} from '../support/service-process.js';
import { joinAudio, postSpeech, readSpeechEvents, uploadVoice } from '../support/speech-clients.js';
import { listStoredKeys } from '../support/stored-objects.js';
import {
  DEFAULT_TEST_DATABASE_URL,
  IsolatedDatabase,
  isolatedDatabase,
} from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const TOKEN = 'compose-e2e-token-0123456789abcdef0123456789';
const TEXT = '收到好友从远方寄来的生日礼物。';

/**
 * The service as docker-compose.yml starts it: the compiled `dist/main.js` as its own process
 * with exactly the `cosyvoice` service's environment as Compose resolves it from the quick start's
 * `.env`, plus the image's NODE_ENV. Only what names other containers or this host changes:
 * DATABASE_URL points at the local MariaDB (a fresh schema), the S3 endpoint and keys at a local
 * s3rver holding the compose bucket, MODEL_DIR at the tiny model pack, PORT at a free port, and
 * INFERENCE_DEVICE=cuda becomes cpu because this machine has no GPU (docker-compose.cpu.yml sets
 * the same). Then a client uploads a voice, synthesises (SSE and whole file) and deletes it.
 */
describe('the service started with the docker-compose environment (MariaDB, S3, tiny pack)', () => {
  let tempDir: string;
  let database: IsolatedDatabase | undefined;
  let s3: S3TestServer | undefined;
  let service: ServiceProcess | undefined;
  let client: { baseUrl: string; token: string; config: AppConfig };

  beforeAll(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'cosyvoice-compose-e2e-'));
    const [buildDir, project, port, modelDir] = await Promise.all([
      buildService(),
      resolveComposeProject({ API_TOKENS: TOKEN }),
      freePort(),
      prepareTinyPack(),
    ]);
    const compose = project.services.cosyvoice.environment ?? {};
    expect(compose).toMatchObject({
      HOST: '0.0.0.0',
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      INFERENCE_DEVICE: 'cuda',
      API_TOKENS: TOKEN,
    });
    expect(compose.DATABASE_URL).toMatch(/^mysql:\/\/[^@]+@mysql:3306\/cosyvoice$/);

    const testDatabase = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
    database = await isolatedDatabase(
      testDatabase.startsWith('sqlite:') ? DEFAULT_TEST_DATABASE_URL : testDatabase,
      tempDir,
    );
    s3 = await startS3TestServer(compose.S3_BUCKET);
    const env = {
      NODE_ENV: 'production',
      ...compose,
      DATABASE_URL: database.url,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      MODEL_DIR: modelDir,
      PORT: String(port),
      INFERENCE_DEVICE: 'cpu',
    };
    service = await startServiceProcess(buildDir, env, port);
    client = { baseUrl: service.baseUrl, token: TOKEN, config: loadConfig(env) };
  });

  afterAll(async () => {
    await service?.stop();
    await s3?.close();
    await database?.drop();
    await rm(tempDir, { recursive: true, force: true });
  });

  async function storedRows(id: string): Promise<RowDataPacket[]> {
    const connection = await createConnection(database!.url);
    try {
      const [rows] = await connection.query<RowDataPacket[]>(
        'SELECT storage_key, features_key FROM reference_audio WHERE id = ?',
        [id],
      );
      return rows;
    } finally {
      await connection.end();
    }
  }

  it('is ready: MySQL schema migrated, bucket reachable, model loaded', async () => {
    const response = await fetch(`${client.baseUrl}/ready`);
    expect(response.status).toBe(200);
  });

  it('answers 401 without the token from .env', async () => {
    const response = await fetch(`${client.baseUrl}${REFERENCE_AUDIO_PATH}`);
    expect(response.status).toBe(401);
  });

  it('upload → synthesize (SSE and whole file) → delete, with the row in MySQL and the objects in the bucket', async () => {
    const id = await uploadVoice(client, 180, '希望你以后能够做的比我还好呦。');
    const keys = [`${id}.wav`, `${id}.features`];
    expect(await storedRows(id)).toEqual([{ storage_key: keys[0], features_key: keys[1] }]);
    expect(await listStoredKeys(client)).toEqual(expect.arrayContaining(keys));

    const request = {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', text: TEXT, reference_audio_id: id },
      output_format: 'wav',
      seed: 7,
    };
    const streamed = await postSpeech(client, request);
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSpeechEvents(streamed);
    expect(events.at(-1)?.output.finish_reason).toBe('stop');
    expect(events.every((event) => event.error === null)).toBe(true);
    const streamedAudio = await decodeAudio(joinAudio(events));
    expect(streamedAudio.sampleRate).toBe(24000);
    expect(streamedAudio.duration).toBeGreaterThan(0.2);

    const whole = await postSpeech(client, { ...request, stream: false });
    expect(whole.status).toBe(200);
    const body = (await whole.json()) as { output: { audio: { data: string } } };
    const wholeAudio = await decodeAudio(Buffer.from(body.output.audio.data, 'base64'));
    expect(wholeAudio.sampleRate).toBe(24000);
    expect(wholeAudio.duration).toBeGreaterThan(0.2);

    const deleted = await fetch(`${client.baseUrl}${REFERENCE_AUDIO_PATH}/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ code: 'OK' });
    expect(await storedRows(id)).toEqual([]);
    expect((await listStoredKeys(client)).filter((key) => key.startsWith(id))).toEqual([]);
  });
});
