import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import { ConfigModule } from '../../../src/config/config.module.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { InputRejectedError } from '../../../src/inference/inference.provider.js';
import { DatabaseModule } from '../../../src/database/database.module.js';
import { INFERENCE_PROVIDER } from '../../../src/inference/inference.provider.js';
import { decodeVoiceFeatures } from '../../../src/inference/voice-features.codec.js';
import { BlobCleanupService } from '../../../src/reference-audio/blob-cleanup.service.js';
import { BlobDeletionRepository } from '../../../src/reference-audio/blob-deletion.repository.js';
import { ReferenceAudioModule } from '../../../src/reference-audio/reference-audio.module.js';
import { ReferenceAudioRepository } from '../../../src/reference-audio/reference-audio.repository.js';
import { ReferenceAudioService } from '../../../src/reference-audio/reference-audio.service.js';
import { VoiceFeaturesService } from '../../../src/reference-audio/voice-features.service.js';
import { BLOB_STORAGE, BlobStorage } from '../../../src/storage/blob-storage.js';
import { LocalBlobStorage } from '../../../src/storage/local-blob.storage.js';
import { FakeInferenceProvider } from '../../support/fake-inference.provider.js';
import { makeSpeechWav } from '../../support/reference-audio-fixtures.js';

/** Local storage whose writes or deletes can be made to fail for chosen keys. */
class FlakyStorage implements BlobStorage {
  failPut: (key: string) => boolean = () => false;
  failDelete: (key: string) => boolean = () => false;

  constructor(private readonly inner: LocalBlobStorage) {}

  async put(key: string, data: Buffer): Promise<void> {
    if (this.failPut(key)) {
      throw new Error(`injected write failure for ${key}`);
    }
    await this.inner.put(key, data);
  }

  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }

  async delete(key: string): Promise<void> {
    if (this.failDelete(key)) {
      throw new Error(`injected delete failure for ${key}`);
    }
    await this.inner.delete(key);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}

describe('ReferenceAudioService with a fake inference provider and flaky storage', () => {
  let tempDir: string;
  let storageDir: string;
  let moduleRef: TestingModule;
  let service: ReferenceAudioService;
  let cleanup: BlobCleanupService;
  let deletions: BlobDeletionRepository;
  let storage: FlakyStorage;
  let inference: FakeInferenceProvider;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    tempDir = await mkdtemp(join(tmpdir(), 'reference-audio-unit-'));
    storageDir = join(tempDir, 'audio');
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(tempDir, 'db.sqlite')}`,
      STORAGE_DIR: storageDir,
    });
    storage = new FlakyStorage(new LocalBlobStorage(storageDir));
    inference = new FakeInferenceProvider();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), ReferenceAudioModule],
    })
      .overrideProvider(INFERENCE_PROVIDER)
      .useValue(inference)
      .overrideProvider(BLOB_STORAGE)
      .useValue(storage)
      .compile();
    await moduleRef.init();
    service = moduleRef.get(ReferenceAudioService);
    cleanup = moduleRef.get(BlobCleanupService);
    deletions = moduleRef.get(BlobDeletionRepository);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await rm(tempDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    inference.loaded = true;
    inference.failWith = undefined;
    inference.gate = undefined;
    storage.failPut = () => false;
    storage.failDelete = () => false;
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    storage.failDelete = () => false;
    for (const voice of await service.list({ limit: 1000 })) {
      await service.delete(voice.id);
    }
    await cleanup.sweep();
  });

  async function storedKeys(): Promise<string[]> {
    return (await readdir(storageDir).catch(() => [])).sort();
  }

  function upload(text = 'hello', seconds = 1) {
    return service.upload({ filename: 'voice.wav', bytes: makeSpeechWav(seconds), text });
  }

  async function expectApiError(promise: Promise<unknown>, status: number, code: string) {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status, code });
    return error as ApiError;
  }

  it('computes and stores the voice features at upload, then serves them without recomputing', async () => {
    const voice = await upload('the transcript', 1.2);
    expect(await storedKeys()).toEqual([`${voice.id}.features`, `${voice.id}.wav`]);
    expect(inference.extractCalls).toBe(1);

    const stored = decodeVoiceFeatures(
      await new LocalBlobStorage(storageDir).get(`${voice.id}.features`),
    );
    const { features, promptText } = await service.getVoiceFeatures(voice.id);
    expect(promptText).toBe('the transcript');
    expect(features.promptMelFrames).toBe(stored.promptMelFrames);
    expect(Array.from(features.speakerEmbedding)).toEqual(Array.from(stored.speakerEmbedding));
    expect(features.speechTokens.length).toBe(30); // 1.2 s at 25 tokens/s
    expect(inference.extractCalls).toBe(1);
  });

  it('stores a voice without features while no model is loaded, and computes them once on first use', async () => {
    inference.loaded = false;
    const voice = await upload();
    expect(await storedKeys()).toEqual([`${voice.id}.wav`]);

    const notLoaded = await expectApiError(
      service.getVoiceFeatures(voice.id),
      503,
      'ModelNotLoaded',
    );
    expect(notLoaded.headers['Retry-After']).toBeDefined();

    inference.loaded = true;
    const calls = inference.extractCalls;
    const results = await Promise.all([1, 2, 3].map(() => service.getVoiceFeatures(voice.id)));
    expect(inference.extractCalls).toBe(calls + 1);
    expect(results[0].features).toBe(results[2].features);
    expect(await storedKeys()).toEqual([`${voice.id}.features`, `${voice.id}.wav`]);
  });

  it('recomputes features whose stored object has disappeared', async () => {
    const voice = await upload();
    await new LocalBlobStorage(storageDir).delete(`${voice.id}.features`);
    moduleRef.get(VoiceFeaturesService).forget(voice.id);
    const calls = inference.extractCalls;
    await service.getVoiceFeatures(voice.id);
    expect(inference.extractCalls).toBe(calls + 1);
    expect(await storedKeys()).toContain(`${voice.id}.features`);
  });

  it('answers 404 for unknown and malformed ids', async () => {
    await expectApiError(
      service.getVoiceFeatures('00000000-0000-4000-8000-000000000000'),
      404,
      'NotFound',
    );
    await expectApiError(service.getVoiceFeatures('../../etc/passwd'), 404, 'NotFound');
    await expectApiError(service.delete('00000000-0000-4000-8000-000000000000'), 404, 'NotFound');
  });

  it('leaves no row and no object when storing the features fails', async () => {
    storage.failPut = (key) => key.endsWith('.features');
    await expect(upload()).rejects.toThrow(/injected write failure/);
    expect(await service.list({})).toEqual([]);
    expect(await storedKeys()).toEqual([]);
  });

  it('leaves no row and no object when the feature extraction fails', async () => {
    inference.failWith = new Error('engine exploded');
    await expect(upload()).rejects.toThrow(/engine exploded/);
    expect(await service.list({})).toEqual([]);
    expect(await storedKeys()).toEqual([]);
  });

  it('answers 400 InvalidAudio, leaving nothing, when the engine refuses the prompt audio', async () => {
    inference.failWith = new InputRejectedError('the prompt yields no speech tokens');
    await expect(upload()).rejects.toMatchObject({
      status: 400,
      code: 'InvalidAudio',
      message: 'the prompt yields no speech tokens',
    });
    expect(await service.list({})).toEqual([]);
    expect(await storedKeys()).toEqual([]);
  });

  it('leaves no object when the database insert fails', async () => {
    vi.spyOn(moduleRef.get(ReferenceAudioRepository), 'insert').mockRejectedValueOnce(
      new Error('database went away'),
    );
    await expect(upload()).rejects.toThrow(/database went away/);
    expect(await service.list({})).toEqual([]);
    expect(await storedKeys()).toEqual([]);
  });

  it('queues the objects of a failed upload whose cleanup also failed, and deletes them later', async () => {
    storage.failPut = (key) => key.endsWith('.features');
    storage.failDelete = () => true;
    await expect(upload()).rejects.toThrow(/injected write failure/);
    const [orphan] = await storedKeys();
    expect(orphan).toMatch(/\.wav$/);
    expect((await deletions.pending(10)).map((entry) => entry.storageKey)).toContain(orphan);

    storage.failDelete = () => false;
    await cleanup.sweep();
    expect(await storedKeys()).toEqual([]);
    expect(await deletions.pending(10)).toEqual([]);
  });

  it('deletes the row at once when the object delete fails, and retries the objects in the background', async () => {
    const voice = await upload();
    storage.failDelete = () => true;
    expect(await service.delete(voice.id)).toEqual({
      code: 'OK',
      message: `reference audio: ${voice.id} deleted.`,
      data: {},
    });
    await expectApiError(service.get(voice.id), 404, 'NotFound');
    expect(await storedKeys()).toEqual([`${voice.id}.features`, `${voice.id}.wav`]);

    await cleanup.sweep();
    const queued = await deletions.pending(10);
    expect(queued.map((entry) => entry.storageKey).sort()).toEqual([
      `${voice.id}.features`,
      `${voice.id}.wav`,
    ]);
    expect(queued.every((entry) => entry.attempts >= 2)).toBe(true);
    expect(queued[0].lastError).toMatch(/injected delete failure/);

    storage.failDelete = () => false;
    await cleanup.sweep();
    expect(await storedKeys()).toEqual([]);
    expect(await deletions.pending(10)).toEqual([]);
  });

  it('never deletes an object that a row still points at', async () => {
    const voice = await upload();
    await cleanup.enqueue([`${voice.id}.wav`]);
    await cleanup.sweep();
    expect(await storedKeys()).toContain(`${voice.id}.wav`);
    expect(await deletions.pending(10)).toEqual([]);
    expect((await service.get(voice.id)).id).toBe(voice.id);
  });

  it('does not leave features behind when the voice is deleted while they are computed', async () => {
    inference.loaded = false;
    const voice = await upload();
    inference.loaded = true;
    let open!: () => void;
    inference.gate = new Promise((resolve) => (open = resolve));
    const calls = inference.extractCalls;
    const computing = service.getVoiceFeatures(voice.id);
    await vi.waitFor(() => expect(inference.extractCalls).toBe(calls + 1));
    await service.delete(voice.id);
    open();
    await expectApiError(computing, 404, 'NotFound');
    expect(await storedKeys()).toEqual([]);
  });
});
