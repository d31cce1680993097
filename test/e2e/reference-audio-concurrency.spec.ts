import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createReferenceAudio, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { makeSpeechWav, makeWav, speechLikeSamples } from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';

interface ReferenceAudioObject {
  id: string;
  filename: string;
  bytes: number;
  text: string;
}

// Each upload is decoded in a thread of its own, which starts slowly from TypeScript sources.
describe('reference audio under concurrent uploads and deletes', { timeout: 300_000 }, () => {
  let app: TestApp;

  beforeAll(async () => {
    // Every upload is admitted: this spec is about keeping them apart, not about the limit.
    app = await startTestApp({
      MAX_CONCURRENT_UPLOADS: '8',
      UPLOAD_QUEUE_SIZE: '200',
      UPLOAD_QUEUE_WAIT_MS: '600000',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  async function list(query: string): Promise<ReferenceAudioObject[]> {
    const response = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}${query}`, {
      headers: authHeaders(app),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as ReferenceAudioObject[];
  }

  function remove(id: string): Promise<Response> {
    return fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${id}`, {
      method: 'DELETE',
      headers: authHeaders(app),
    });
  }

  it('keeps 110 parallel uploads apart, and lists 100 by default', async () => {
    // Each voice has its own length, so a mix-up of bytes between uploads would show.
    const uploads = Array.from({ length: 110 }, (_, i) => ({
      filename: `voice-${i}.wav`,
      text: `transcript ${i}`,
      bytes: makeWav(speechLikeSamples(0.6 + i * 0.01, 16000), 16000),
    }));
    const ids = await Promise.all(uploads.map((upload) => createReferenceAudio(app, upload)));
    expect(new Set(ids).size).toBe(110);

    const all = await list('?limit=1000');
    expect(all).toHaveLength(110);
    for (const [i, id] of ids.entries()) {
      expect(all.find((object) => object.id === id)).toMatchObject({
        filename: uploads[i].filename,
        text: uploads[i].text,
        bytes: uploads[i].bytes.length,
      });
    }
    expect(await list('')).toHaveLength(100);
    expect(await listStoredKeys(app)).toEqual(ids.map((id) => `${id}.wav`).sort());
  });

  it('deletes half of the voices while new ones are uploaded, without touching the others', async () => {
    const existing = (await list('?limit=1000')).map((object) => object.id);
    const toDelete = existing.filter((_, i) => i % 2 === 0);
    const toKeep = existing.filter((_, i) => i % 2 === 1);

    const [deletions, added] = await Promise.all([
      Promise.all(toDelete.map((id) => remove(id))),
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          createReferenceAudio(app, { bytes: makeSpeechWav(0.7 + i * 0.02), text: `new ${i}` }),
        ),
      ),
    ]);
    expect(deletions.map((response) => response.status)).toEqual(toDelete.map(() => 200));

    const remaining = (await list('?limit=1000')).map((object) => object.id).sort();
    expect(remaining).toEqual([...toKeep, ...added].sort());
    expect(await listStoredKeys(app)).toEqual(remaining.map((id) => `${id}.wav`).sort());
  });

  it('answers concurrent deletes of the same voice once with 200 and otherwise 404', async () => {
    const id = await createReferenceAudio(app, { bytes: makeSpeechWav(1), text: 'contested' });
    const statuses = (await Promise.all(Array.from({ length: 5 }, () => remove(id)))).map(
      (response) => response.status,
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 404)).toHaveLength(4);
    expect((await listStoredKeys(app)).filter((key) => key.startsWith(id))).toEqual([]);
  });
});
