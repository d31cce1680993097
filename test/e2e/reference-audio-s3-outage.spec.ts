import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BLOB_CLEANUP_INTERVAL_MS,
  BlobCleanupService,
} from '../../src/reference-audio/blob-cleanup.service.js';
import { BlobDeletionRepository } from '../../src/reference-audio/blob-deletion.repository.js';
import { authHeaders, REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { S3TestServer, startS3TestServer } from '../support/s3-test-server.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const FAILED_UPLOADS = 12;

/** The S3 service goes away while clients keep uploading and deleting, then comes back. */
describe('an S3 outage: 503 StorageUnavailable, the deletion queue holds only what may exist and drains when S3 returns', () => {
  let s3: S3TestServer;
  let app: TestApp;

  beforeAll(async () => {
    s3 = await startS3TestServer('outage');
    app = await startTestApp(s3.env);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await app?.close();
    await s3?.close();
  });

  it('queues one key per failed upload, none for features never written, and drains them all', async () => {
    const kept = await uploadReferenceAudio(app, { bytes: makeSpeechWav(1) });
    const keptId = ((await kept.json()) as { id: string }).id;
    const doomed = await uploadReferenceAudio(app, { bytes: makeSpeechWav(1) });
    const doomedId = ((await doomed.json()) as { id: string }).id;
    const deletions = app.app.get(BlobDeletionRepository);
    expect(await deletions.count()).toBe(0);

    await s3.suspend();
    for (let i = 0; i < FAILED_UPLOADS; i++) {
      const response = await uploadReferenceAudio(app, { bytes: makeSpeechWav(1) });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({
        code: 'StorageUnavailable',
        message:
          'the audio storage is unavailable or does not answer; nothing was changed, retry later',
      });
    }
    const audio = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${keptId}/audio`, {
      headers: authHeaders(app),
    });
    expect(audio.status).toBe(503);
    expect(((await audio.json()) as { code: string }).code).toBe('StorageUnavailable');
    const list = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      headers: authHeaders(app),
    });
    expect(list.status).toBe(200);
    const deleted = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${doomedId}`, {
      method: 'DELETE',
      headers: authHeaders(app),
    });
    expect(deleted.status).toBe(200);
    // each failed upload: only the audio it tried to write; the delete: its audio and features
    expect(await deletions.count()).toBe(FAILED_UPLOADS + 2);

    await s3.resume();
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + BLOB_CLEANUP_INTERVAL_MS + 1);
    await app.app.get(BlobCleanupService).sweep();
    expect(await deletions.count()).toBe(0);
    expect(await listStoredKeys(app)).toEqual([`${keptId}.wav`]);
  });
});
