import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import {
  makeMp3,
  makePcm16,
  makeWav,
  speechLikeSamples,
} from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const MUFFLED =
  /reference audio needs at least 16000 Hz \(a band-limited prompt clones a muffled voice\)/;

describe('reference audio below 16 kHz is refused, as the official frontend does', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  afterEach(async () => {
    const list = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}?limit=1000`, {
      headers: authHeaders(app),
    });
    expect(await list.json()).toEqual([]);
    expect(await listStoredKeys(app)).toEqual([]);
  });

  async function expectRefused(response: Response, message: RegExp): Promise<void> {
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'request_id']);
    expect(body.message).toMatch(message);
  }

  it('an 8 kHz WAV: 400 InvalidAudio saying why', async () => {
    const response = await uploadReferenceAudio(app, {
      bytes: makeWav(speechLikeSamples(2, 8000), 8000),
    });
    await expectRefused(response, /^the audio is sampled at 8000 Hz; /);
    await expectRefused(
      await uploadReferenceAudio(app, { bytes: makeWav(speechLikeSamples(2, 8000), 8000) }),
      MUFFLED,
    );
  });

  it('an 11025 Hz MP3: 400', async () => {
    const response = await uploadReferenceAudio(app, {
      bytes: makeMp3(speechLikeSamples(2, 11025), 11025),
    });
    await expectRefused(response, /sampled at 11025 Hz/);
  });

  it('raw PCM with sample_rate=8000: 400 naming the accepted range', async () => {
    const response = await uploadReferenceAudio(app, {
      bytes: makePcm16(speechLikeSamples(2, 8000)),
      filename: 'voice.pcm',
      sampleRate: 8000,
    });
    await expectRefused(response, /sample_rate must be between 16000 and 48000/);
  });

  it('16 kHz is accepted', async () => {
    const response = await uploadReferenceAudio(app, {
      bytes: makeWav(speechLikeSamples(1, 16000), 16000),
    });
    const body = (await response.json()) as { id: string };
    expect(response.status).toBe(200);
    const removed = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${body.id}`, {
      method: 'DELETE',
      headers: authHeaders(app),
    });
    expect(removed.status).toBe(200);
  });
});
