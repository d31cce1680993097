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
import {
  BLOB_CLEANUP_INTERVAL_MS,
  BlobCleanupService,
  SWEEP_BATCH,
} from '../../../src/reference-audio/blob-cleanup.service.js';
import { BlobDeletionRepository } from '../../../src/reference-audio/blob-deletion.repository.js';
import { ReferenceAudioModule } from '../../../src/reference-audio/reference-audio.module.js';
import { ReferenceAudioRepository } from '../../../src/reference-audio/reference-audio.repository.js';
import { ReferenceAudioService } from '../../../src/reference-audio/reference-audio.service.js';
import { VoiceFeaturesService } from '../../../src/reference-audio/voice-features.service.js';
import { BLOB_STORAGE, BlobStorage } from '../../../src/storage/blob-storage.js';
import { LocalBlobStorage } from '../../../src/storage/local-blob.storage.js';
import { FakeInferenceProvider } from '../../support/fake-inference.provider.js';
import { makeSpeechWav } from '../../support/reference-audio-fixtures.js';

const ORPHAN_GRACE_MS = 600_000;

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

  removeInterruptedWrites(startedBefore: number): Promise<number> {
    return this.inner.removeInterruptedWrites(startedBefore);
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
    advanceClock(2 * ORPHAN_GRACE_MS);
    await cleanup.sweep();
    vi.restoreAllMocks();
  });

  /** Every queue entry, due or not. */
  function queued() {
    return deletions.due(10_000, Number.MAX_SAFE_INTEGER);
  }

  /** Makes the clock read `ms` later than now (failed deletions wait 30 s, guards the grace). */
  function advanceClock(ms: number): void {
    const now = Date.now() + ms;
    vi.spyOn(Date, 'now').mockReturnValue(now);
  }

  async function storedKeys(): Promise<string[]> {
    return (await readdir(storageDir).catch(() => [])).sort();
  }

  function upload(text = 'hello', seconds = 1) {
    return service.upload(async () => ({
      filename: 'voice.wav',
      bytes: makeSpeechWav(seconds),
      text,
    }));
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

  it('finds a voice for synthesis by its id in upper case (SQLite compares case-sensitively)', async () => {
    const voice = await upload('upper');
    const { promptText } = await service.getVoiceFeatures(voice.id.toUpperCase());
    expect(promptText).toBe('upper');
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
    vi.spyOn(
      moduleRef.get(ReferenceAudioRepository),
      'insertClaimingObjects',
    ).mockRejectedValueOnce(new Error('database went away'));
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
    expect((await queued()).map((entry) => entry.storageKey)).toContain(orphan);

    storage.failDelete = () => false;
    advanceClock(BLOB_CLEANUP_INTERVAL_MS + 1);
    await cleanup.sweep();
    expect(await storedKeys()).toEqual([]);
    expect(await queued()).toEqual([]);
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

    advanceClock(BLOB_CLEANUP_INTERVAL_MS + 1);
    await cleanup.sweep();
    const entries = await queued();
    expect(entries.map((entry) => entry.storageKey).sort()).toEqual([
      `${voice.id}.features`,
      `${voice.id}.wav`,
    ]);
    expect(entries.every((entry) => entry.attempts >= 1)).toBe(true);
    expect(entries[0].lastError).toMatch(/injected delete failure/);

    storage.failDelete = () => false;
    advanceClock(2 * BLOB_CLEANUP_INTERVAL_MS + 2);
    await cleanup.sweep();
    expect(await storedKeys()).toEqual([]);
    expect(await queued()).toEqual([]);
  });

  it('never deletes an object that a row still points at', async () => {
    const voice = await upload();
    await cleanup.enqueue([`${voice.id}.wav`]);
    await cleanup.sweep();
    expect(await storedKeys()).toContain(`${voice.id}.wav`);
    expect(await queued()).toEqual([]);
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

  describe('the cleanup queue: only what may exist, drained until empty', () => {
    it('a failed upload queues only the object it tried to write, not the features it never wrote', async () => {
      storage.failPut = () => true;
      storage.failDelete = () => true;
      await expect(upload()).rejects.toThrow(/injected write failure/);
      const entries = await queued();
      expect(entries).toHaveLength(1);
      expect(entries[0].storageKey).toMatch(/\.wav$/);
    });

    it('one sweep drains a backlog far larger than one batch', async () => {
      const keys = Array.from({ length: 2 * SWEEP_BATCH + 50 }, (_, i) => `orphan-${i}.wav`);
      const raw = new LocalBlobStorage(storageDir);
      await Promise.all(keys.map((key) => raw.put(key, Buffer.from('x'))));
      await cleanup.enqueue(keys);
      await cleanup.sweep();
      expect(await storedKeys()).toEqual([]);
      expect(await queued()).toEqual([]);
    });

    it('stops a sweep when the storage refuses a whole batch, and resumes after the retry delay', async () => {
      const keys = Array.from({ length: SWEEP_BATCH + 10 }, (_, i) => `down-${i}.wav`);
      await cleanup.enqueue(keys);
      storage.failDelete = () => true;
      const deletes = vi.spyOn(storage, 'delete');
      await cleanup.sweep();
      expect(deletes).toHaveBeenCalledTimes(SWEEP_BATCH);
      storage.failDelete = () => false;
      advanceClock(BLOB_CLEANUP_INTERVAL_MS + 1);
      await cleanup.sweep();
      expect(await queued()).toEqual([]);
    });

    it("a user's delete goes through at once even behind a backlog the storage refuses", async () => {
      const voice = await upload();
      storage.failDelete = (key) => key.startsWith('backlog-');
      await cleanup.enqueue(Array.from({ length: 300 }, (_, i) => `backlog-${i}.wav`));
      await service.delete(voice.id);
      expect(await storedKeys()).toEqual([]);
      expect((await queued()).some((entry) => entry.storageKey.startsWith(voice.id))).toBe(false);
      storage.failDelete = () => false;
      advanceClock(BLOB_CLEANUP_INTERVAL_MS + 1);
      await cleanup.sweep();
      expect(await queued()).toEqual([]);
    });

    it('an object deleted whose queue entry cannot be dropped is not reported as orphaned', async () => {
      const raw = new LocalBlobStorage(storageDir);
      await raw.put('gone.wav', Buffer.from('x'));
      await cleanup.enqueue(['gone.wav']);
      const databaseDown = new Error('database went away');
      vi.spyOn(deletions, 'remove').mockRejectedValue(databaseDown);
      vi.spyOn(deletions, 'enqueue').mockRejectedValue(databaseDown);
      vi.spyOn(deletions, 'recordFailure').mockRejectedValue(databaseDown);
      const errors = vi.spyOn(Logger.prototype, 'error');
      const warnings = vi.spyOn(Logger.prototype, 'warn');
      await cleanup.removeNow(['gone.wav']);
      expect(await storedKeys()).toEqual([]);
      const logged = [...errors.mock.calls, ...warnings.mock.calls].map((call) => String(call[0]));
      expect(logged.filter((line) => /orphaned|failed, will retry/.test(line))).toEqual([]);
      expect(logged).toContainEqual(
        expect.stringMatching(/gone\.wav is deleted, but its queue entry could not be dropped/),
      );
      vi.restoreAllMocks();
      await cleanup.sweep();
      expect(await queued()).toEqual([]);
    });
  });

  describe('objects of an upload that never finished (a killed process)', () => {
    it('are left alone during the grace period, then removed, with stale temporary files', async () => {
      await cleanup.guardWrites(['unfinished.wav']);
      const raw = new LocalBlobStorage(storageDir);
      await raw.put('unfinished.wav', Buffer.from('x'));
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(storageDir, 'other.wav.0a1b2c.partial'), 'half');
      await cleanup.sweep();
      expect(await storedKeys()).toEqual(['other.wav.0a1b2c.partial', 'unfinished.wav']);
      advanceClock(ORPHAN_GRACE_MS + 1);
      await cleanup.sweep();
      expect(await storedKeys()).toEqual([]);
      expect(await queued()).toEqual([]);
    });

    it('an upload that outlived the grace period fails instead of keeping a row without its object', async () => {
      inference.loaded = false;
      const repository = moduleRef.get(ReferenceAudioRepository);
      const insert = repository.insertClaimingObjects.bind(repository);
      vi.spyOn(repository, 'insertClaimingObjects').mockImplementationOnce(async (row, keys) => {
        // the upload stalls past the grace period and a sweep gives its object up
        advanceClock(ORPHAN_GRACE_MS + 1);
        await cleanup.sweep();
        return insert(row, keys);
      });
      await expect(upload()).rejects.toThrow(/given up for cleanup before the upload finished/);
      expect(await service.list({})).toEqual([]);
      expect(await storedKeys()).toEqual([]);
    });
  });
});
