import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVoiceFeatures } from '../../src/inference/voice-features.codec.js';
import { ReferenceAudioService } from '../../src/reference-audio/reference-audio.service.js';
import { LocalBlobStorage } from '../../src/storage/local-blob.storage.js';
import { authHeaders, createReferenceAudio, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

function storageDir(app: TestApp): string {
  if (app.config.storage.driver !== 'local') {
    throw new Error('this test uses the local storage driver');
  }
  return app.config.storage.dir;
}

function databaseUrl(app: TestApp): string {
  const database = app.config.database;
  return database.type === 'sqlite' ? `sqlite:${database.path}` : database.url;
}

describe('voice features with the real engine (tiny model pack)', () => {
  let withoutModel: TestApp;
  let withModel: TestApp;

  beforeAll(async () => {
    withoutModel = await startTestApp();
    // A second replica on the same database and storage, this one with a model pack.
    withModel = await startTestApp({
      MODEL_DIR: await prepareTinyPack(),
      DATABASE_URL: databaseUrl(withoutModel),
      STORAGE_DIR: storageDir(withoutModel),
    });
  });

  afterAll(async () => {
    await withModel?.close();
    await withoutModel?.close();
  });

  it('computes the prompt features at upload and stores them beside the audio', async () => {
    const id = await createReferenceAudio(withModel, { bytes: makeSpeechWav(2, 16000) });
    expect(await listStoredKeys(withModel)).toEqual(
      expect.arrayContaining([`${id}.wav`, `${id}.features`]),
    );
    const features = decodeVoiceFeatures(
      await new LocalBlobStorage(storageDir(withModel)).get(`${id}.features`),
    );
    expect(features.speakerEmbedding).toHaveLength(192);
    // 2 s of audio at 25 speech tokens per second, prompt mel at twice the token rate.
    expect(features.speechTokens.length).toBeGreaterThanOrEqual(48);
    expect(features.speechTokens.length).toBeLessThanOrEqual(52);
    expect(features.promptMelFrames).toBe(2 * features.speechTokens.length);
    expect(Math.min(...features.speechTokens)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...features.speechTokens)).toBeLessThanOrEqual(6560);
  });

  it('computes the features of a voice uploaded without a model on first use', async () => {
    const id = await createReferenceAudio(withoutModel, { bytes: makeSpeechWav(1.5, 22050) });
    expect((await listStoredKeys(withModel)).filter((key) => key.startsWith(id))).toEqual([
      `${id}.wav`,
    ]);
    const { features, promptText } = await withModel.app
      .get(ReferenceAudioService)
      .getVoiceFeatures(id);
    expect(promptText).toBe('希望你以后能够做得比我还好哟');
    expect(features.promptMelFrames).toBe(2 * features.speechTokens.length);
    expect((await listStoredKeys(withModel)).filter((key) => key.startsWith(id))).toEqual([
      `${id}.features`,
      `${id}.wav`,
    ]);
  });

  it('deletes the audio and its features together', async () => {
    const id = await createReferenceAudio(withModel, { bytes: makeSpeechWav(1) });
    const response = await fetch(`${withModel.baseUrl}${REFERENCE_AUDIO_PATH}/${id}`, {
      method: 'DELETE',
      headers: authHeaders(withModel),
    });
    expect(response.status).toBe(200);
    expect((await listStoredKeys(withModel)).filter((key) => key.startsWith(id))).toEqual([]);
  });

  it('reports ready once the model is loaded', async () => {
    const response = await fetch(`${withModel.baseUrl}/ready`);
    const body = (await response.json()) as { checks: { model: { status: string } } };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      checks: { database: { status: 'ok' }, storage: { status: 'ok' }, model: { status: 'ok' } },
    });
  });
});
