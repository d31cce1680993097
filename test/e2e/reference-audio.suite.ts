import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import {
  makeMp3,
  makePcm16,
  makeSpeechWav,
  speechLikeSamples,
} from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const OBJECT_KEYS = ['bytes', 'created_at', 'duration', 'filename', 'id', 'text'];

interface ReferenceAudioObject {
  id: string;
  filename: string;
  bytes: number;
  created_at: number;
  text: string;
  duration: number;
}

/**
 * The reference-audio happy paths, run against one database/storage combination. `env` gives
 * the variables that select it (e.g. a SQLite DATABASE_URL or the S3 driver).
 */
export function describeReferenceAudioApi(
  label: string,
  env: () => Promise<Record<string, string>> | Record<string, string>,
): void {
  describe(`reference audio API on ${label}`, () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp(await env());
    });

    afterAll(async () => {
      await app?.close();
    });

    async function get(path: string): Promise<Response> {
      return fetch(`${app.baseUrl}${path}`, { headers: authHeaders(app) });
    }

    async function upload(
      bytes: Buffer,
      filename: string,
      text: string,
      sampleRate?: number,
    ): Promise<ReferenceAudioObject> {
      const response = await uploadReferenceAudio(app, { bytes, filename, text, sampleRate });
      const body = (await response.json()) as ReferenceAudioObject;
      expect(response.status, JSON.stringify(body)).toBe(200);
      return body;
    }

    async function list(query = ''): Promise<ReferenceAudioObject[]> {
      const response = await get(`${REFERENCE_AUDIO_PATH}${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as ReferenceAudioObject[];
    }

    it('uploads a WAV and answers with exactly the reference audio object', async () => {
      const wav = makeSpeechWav(2, 16000);
      const before = Math.floor(Date.now() / 1000);
      const response = await uploadReferenceAudio(app, {
        bytes: wav,
        filename: 'zero_shot_prompt.wav',
        text: '希望你以后能够做得比我还好哟',
      });
      const after = Math.ceil(Date.now() / 1000);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as ReferenceAudioObject;
      expect(Object.keys(body).sort()).toEqual(OBJECT_KEYS);
      expect(body.id).toMatch(UUID_V4);
      expect(body).toMatchObject({
        filename: 'zero_shot_prompt.wav',
        bytes: wav.length,
        text: '希望你以后能够做得比我还好哟',
        duration: 2,
      });
      expect(body.created_at).toBeGreaterThanOrEqual(before);
      expect(body.created_at).toBeLessThanOrEqual(after);
      expect(await listStoredKeys(app)).toContain(`${body.id}.wav`);
    });

    it('uploads an MP3 made by ffmpeg', async () => {
      const mp3 = makeMp3(speechLikeSamples(3, 22050), 22050);
      const body = await upload(mp3, 'prompt.mp3', 'an mp3 prompt');
      expect(body).toMatchObject({ filename: 'prompt.mp3', bytes: mp3.length });
      expect(await listStoredKeys(app)).toContain(`${body.id}.mp3`);
    });

    it('recognises the format from the bytes; a .wav or .mp3 name must match them', async () => {
      const mp3 = makeMp3(speechLikeSamples(1.5, 16000), 16000);
      const body = await upload(mp3, 'recording.audio', 'an mp3 without its extension');
      expect(await listStoredKeys(app)).toContain(`${body.id}.mp3`);
      const misnamed = await uploadReferenceAudio(app, { bytes: mp3, filename: 'misnamed.wav' });
      expect(misnamed.status).toBe(400);
      expect(await misnamed.json()).toMatchObject({
        code: 'InvalidAudio',
        message: 'the file is named .wav but its bytes are not a WAV file (no RIFF/WAVE header)',
      });
    });

    it('uploads raw 16-bit PCM at the rate given in sample_rate', async () => {
      // 16000 samples: 0.33 s at 48 kHz (too short), 0.67 s at 24 kHz (accepted).
      const pcm = makePcm16(speechLikeSamples(1, 16000));
      const tooShort = await uploadReferenceAudio(app, {
        bytes: pcm,
        filename: 'voice.pcm',
        sampleRate: 48000,
      });
      expect(tooShort.status).toBe(400);
      expect(((await tooShort.json()) as { message: string }).message).toMatch(/0\.33 s/);
      const body = await upload(pcm, 'voice.pcm', 'raw pcm', 24000);
      expect(body.bytes).toBe(pcm.length);
      expect(body.duration).toBeCloseTo(16000 / 24000, 6);
      expect(await listStoredKeys(app)).toContain(`${body.id}.pcm`);
    });

    it('uploads raw PCM at the default 16 kHz when sample_rate is absent', async () => {
      const pcm = makePcm16(speechLikeSamples(1, 16000));
      const body = await upload(pcm, 'default-rate.pcm', 'sixteen kilohertz');
      expect(body.bytes).toBe(32000);
    });

    it('finds a voice by its id in upper case, on every database', async () => {
      const created = await upload(makeSpeechWav(1), 'upper.wav', 'upper-case id');
      const upper = created.id.toUpperCase();
      const response = await get(`${REFERENCE_AUDIO_PATH}/${upper}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(created);
      const deleted = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${upper}`, {
        method: 'DELETE',
        headers: authHeaders(app),
      });
      expect(await deleted.json()).toEqual({
        code: 'OK',
        message: `reference audio: ${created.id} deleted.`,
        data: {},
      });
      expect((await get(`${REFERENCE_AUDIO_PATH}/${created.id}`)).status).toBe(404);
      expect((await listStoredKeys(app)).filter((key) => key.startsWith(created.id))).toEqual([]);
    });

    it('serves the uploaded bytes as stored at /:id/audio, with their media type', async () => {
      const wav = makeSpeechWav(1.5, 16000);
      const mp3 = makeMp3(speechLikeSamples(1, 16000), 16000);
      const pcm = makePcm16(speechLikeSamples(1, 16000));
      const cases = [
        { created: await upload(wav, 'listen.wav', 'wav'), bytes: wav, type: 'audio/wav' },
        { created: await upload(mp3, 'listen.mp3', 'mp3'), bytes: mp3, type: 'audio/mpeg' },
        {
          created: await upload(pcm, 'listen.pcm', 'pcm', 16000),
          bytes: pcm,
          type: 'audio/L16; rate=16000; channels=1',
        },
      ];
      for (const { created, bytes, type } of cases) {
        const response = await get(`${REFERENCE_AUDIO_PATH}/${created.id}/audio`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe(type);
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      }
      const unknown = await get(`${REFERENCE_AUDIO_PATH}/${randomUUID()}/audio`);
      expect(unknown.status).toBe(404);
      const anonymous = await fetch(
        `${app.baseUrl}${REFERENCE_AUDIO_PATH}/${cases[0].created.id}/audio`,
      );
      expect(anonymous.status).toBe(401);
    });

    it('gets one object by id, identical to the upload answer', async () => {
      const created = await upload(makeSpeechWav(1), 'get-me.wav', 'get me');
      const response = await get(`${REFERENCE_AUDIO_PATH}/${created.id}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(created);
    });

    it('lists newest first by default, oldest first with order=asc, and honours limit', async () => {
      const ids: string[] = [];
      for (const name of ['first', 'second', 'third']) {
        ids.push((await upload(makeSpeechWav(1), `${name}.wav`, name)).id);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const mine = (objects: ReferenceAudioObject[]) =>
        objects.map((object) => object.id).filter((id) => ids.includes(id));

      const newestFirst = await list();
      expect(mine(newestFirst)).toEqual([...ids].reverse());
      expect(newestFirst.map((object) => object.id).slice(0, 3)).toEqual([...ids].reverse());
      for (const object of newestFirst) {
        expect(Object.keys(object).sort()).toEqual(OBJECT_KEYS);
      }
      expect(mine(await list('?order=desc'))).toEqual([...ids].reverse());
      expect(mine(await list('?order=asc'))).toEqual(ids);

      const two = await list('?limit=2&order=desc');
      expect(two.map((object) => object.id)).toEqual([ids[2], ids[1]]);
      const all = await list('?limit=1000');
      expect(all.length).toBe(newestFirst.length);
      const createdAt = all.map((object) => object.created_at);
      expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));
    });

    it('deletes an object: the row and the stored audio are gone', async () => {
      const created = await upload(makeSpeechWav(1.2), 'delete-me.wav', 'delete me');
      expect(await listStoredKeys(app)).toContain(`${created.id}.wav`);

      const response = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${created.id}`, {
        method: 'DELETE',
        headers: authHeaders(app),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        code: 'OK',
        message: `reference audio: ${created.id} deleted.`,
        data: {},
      });

      expect((await get(`${REFERENCE_AUDIO_PATH}/${created.id}`)).status).toBe(404);
      expect((await list('?limit=1000')).map((object) => object.id)).not.toContain(created.id);
      expect((await listStoredKeys(app)).filter((key) => key.startsWith(created.id))).toEqual([]);
      const again = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${created.id}`, {
        method: 'DELETE',
        headers: authHeaders(app),
      });
      expect(again.status).toBe(404);
    });

    it('keeps every stored object matched by exactly one row', async () => {
      const rows = await list('?limit=1000');
      const keys = await listStoredKeys(app);
      expect(keys.length).toBe(rows.length);
      for (const row of rows) {
        expect(keys.filter((key) => key.startsWith(`${row.id}.`))).toHaveLength(1);
      }
    });
  });
}
