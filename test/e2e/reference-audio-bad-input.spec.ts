import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import {
  makeEspeakPcm,
  makeMp3,
  makePcm16,
  makeToneMp3,
  pseudoRandomBytes,
  makeSpeechWav,
  makeWav,
  speechLikeSamples,
} from '../support/reference-audio-fixtures.js';
import { listStoredKeys } from '../support/stored-objects.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('reference audio: bad input is refused and leaves nothing behind', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
  });

  afterAll(async () => {
    await app?.close();
  });

  /** After every refused request: no row (via the API) and no object in storage. */
  afterEach(async () => {
    const list = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}?limit=1000`, {
      headers: authHeaders(app),
    });
    expect(await list.json()).toEqual([]);
    expect(await listStoredKeys(app)).toEqual([]);
  });

  async function expectError(
    response: Response,
    status: number,
    code: string,
    message: RegExp,
  ): Promise<void> {
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(status);
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'request_id']);
    expect(body.code).toBe(code);
    expect(body.message).toMatch(message);
    expect(body.request_id).toMatch(UUID);
    expect(response.headers.get('x-request-id')).toBe(body.request_id);
  }

  function send(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${app.baseUrl}${path}`, {
      ...init,
      headers: { ...authHeaders(app), ...init.headers },
    });
  }

  describe('upload', () => {
    it('missing file: 400', async () => {
      await expectError(
        await uploadReferenceAudio(app, { text: 'no file' }),
        400,
        'InvalidParameter',
        /file is required/,
      );
    });

    it('a "file" sent as a plain field instead of a file part: 400', async () => {
      const form = new FormData();
      form.append('file', 'not a file');
      form.append('text', 'hello');
      await expectError(
        await send(REFERENCE_AUDIO_PATH, { method: 'POST', body: form }),
        400,
        'InvalidParameter',
        /file is required/,
      );
    });

    it('missing text: 400', async () => {
      await expectError(
        await uploadReferenceAudio(app, { bytes: makeSpeechWav(1), text: null }),
        400,
        'InvalidParameter',
        /text is required/,
      );
    });

    it('a transcript over 1000 characters: 400', async () => {
      await expectError(
        await uploadReferenceAudio(app, { bytes: makeSpeechWav(1), text: '长'.repeat(1001) }),
        400,
        'InvalidParameter',
        /text must be at most 1000 characters/,
      );
    });

    it('empty text: 400', async () => {
      await expectError(
        await uploadReferenceAudio(app, { bytes: makeSpeechWav(1), text: '' }),
        400,
        'InvalidParameter',
        /text must not be empty/,
      );
    });

    it('empty file: 400', async () => {
      await expectError(
        await uploadReferenceAudio(app, { bytes: Buffer.alloc(0) }),
        400,
        'InvalidAudio',
        /empty/,
      );
    });

    it('non-audio bytes (a PNG image, a text file): 400', async () => {
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.alloc(4000, 7),
      ]);
      await expectError(
        await uploadReferenceAudio(app, { bytes: png, filename: 'image.wav' }),
        400,
        'InvalidAudio',
        /PNG/,
      );
      const text = Buffer.from('这不是音频。This is not audio.\n'.repeat(200));
      await expectError(
        await uploadReferenceAudio(app, { bytes: text, filename: 'notes.wav' }),
        400,
        'InvalidAudio',
        /text, not audio/,
      );
    });

    it('truncated WAV: 400', async () => {
      const wav = makeSpeechWav(2);
      await expectError(
        await uploadReferenceAudio(app, { bytes: wav.subarray(0, wav.length / 2) }),
        400,
        'InvalidAudio',
        /truncated/,
      );
    });

    it('MP3 with garbage: 400', async () => {
      const garbage = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7919) % 251));
      const id3ThenGarbage = Buffer.concat([
        Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x10', 'latin1'),
        Buffer.alloc(16),
        garbage,
      ]);
      await expectError(
        await uploadReferenceAudio(app, { bytes: id3ThenGarbage, filename: 'broken.mp3' }),
        400,
        'InvalidAudio',
        /MP3/,
      );
      const mp3 = makeMp3(speechLikeSamples(2, 22050), 22050);
      const framesThenGarbage = Buffer.concat([mp3.subarray(0, 1500), garbage]);
      await expectError(
        await uploadReferenceAudio(app, { bytes: framesThenGarbage, filename: 'broken.mp3' }),
        400,
        'InvalidAudio',
        /./,
      );
    });

    it('an MP3 bomb (10 minutes at 8 kbit/s in 600 KB): 400 from its frame headers', async () => {
      const tenMinutes = makeToneMp3(600, 8000, '8k');
      expect(tenMinutes.length).toBeLessThan(MAX_UPLOAD_BYTES);
      await expectError(
        await uploadReferenceAudio(app, { bytes: tenMinutes, filename: 'long.mp3' }),
        400,
        'InvalidAudio',
        /the audio is 60\d\.\d\d s long; reference audio must be 0\.5–30 s/,
      );
    });

    it('random bytes named garbage.wav: 400, the name promises a WAV file', async () => {
      await expectError(
        await uploadReferenceAudio(app, {
          bytes: pseudoRandomBytes(30_000),
          filename: 'garbage.wav',
        }),
        400,
        'InvalidAudio',
        /named \.wav but its bytes are not a WAV file/,
      );
      await expectError(
        await uploadReferenceAudio(app, { bytes: makeSpeechWav(1), filename: 'voice.mp3' }),
        400,
        'InvalidAudio',
        /named \.mp3 but its bytes are not an MP3 file/,
      );
    });

    it('300 KB of random bytes as raw PCM: 400, white noise is not speech', async () => {
      await expectError(
        await uploadReferenceAudio(app, {
          bytes: pseudoRandomBytes(300_000, 7),
          filename: 'voice.pcm',
        }),
        400,
        'InvalidAudio',
        /raw PCM is white noise, not speech/,
      );
    });

    it('an ID3 tag followed by random bytes: 400, they are not MPEG frames', async () => {
      const tag = Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1');
      await expectError(
        await uploadReferenceAudio(app, {
          bytes: Buffer.concat([tag, pseudoRandomBytes(300_000, 11)]),
          filename: 'voice.mp3',
        }),
        400,
        'InvalidAudio',
        /MP3/,
      );
    });

    it('real speech as raw PCM (espeak-ng, 16 and 22.05 kHz) is still accepted', async () => {
      for (const sampleRate of [16000, 22050]) {
        const speech = makeEspeakPcm('This is a short sentence spoken for the test.', sampleRate);
        const response = await uploadReferenceAudio(app, {
          bytes: speech,
          filename: 'speech.pcm',
          sampleRate,
        });
        const body = (await response.json()) as { id: string };
        expect(response.status, JSON.stringify(body)).toBe(200);
        const deleted = await send(`${REFERENCE_AUDIO_PATH}/${body.id}`, { method: 'DELETE' });
        expect(deleted.status).toBe(200);
      }
    });

    it('audio shorter than 0.5 s: 400', async () => {
      await expectError(
        await uploadReferenceAudio(app, { bytes: makeSpeechWav(0.45) }),
        400,
        'InvalidAudio',
        /0\.45 s long; reference audio must be 0\.5–30 s/,
      );
    });

    it('audio longer than 30 s: 400', async () => {
      const wav = makeWav(speechLikeSamples(30.5, 16000), 16000);
      expect(wav.length).toBeLessThan(MAX_UPLOAD_BYTES);
      await expectError(
        await uploadReferenceAudio(app, { bytes: wav }),
        400,
        'InvalidAudio',
        /30\.50 s long/,
      );
    });

    it('a file over MAX_UPLOAD_BYTES: 413', async () => {
      const wav = makeWav(speechLikeSamples(25, 48000), 48000);
      expect(wav.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
      await expectError(
        await uploadReferenceAudio(app, { bytes: wav }),
        413,
        'PayloadTooLarge',
        new RegExp(`upload limit of ${MAX_UPLOAD_BYTES} bytes`),
      );
    });

    it('the limit is exact: MAX_UPLOAD_BYTES is accepted, one sample more is refused', async () => {
      const atLimit = makePcm16(speechLikeSamples(MAX_UPLOAD_BYTES / 2 / 48000, 48000));
      expect(atLimit.length).toBe(MAX_UPLOAD_BYTES);
      const accepted = await uploadReferenceAudio(app, {
        bytes: atLimit,
        filename: 'limit.pcm',
        sampleRate: 48000,
      });
      const { id, bytes } = (await accepted.json()) as { id: string; bytes: number };
      expect(accepted.status).toBe(200);
      expect(bytes).toBe(MAX_UPLOAD_BYTES);
      expect((await send(`${REFERENCE_AUDIO_PATH}/${id}`, { method: 'DELETE' })).status).toBe(200);

      const overLimit = Buffer.concat([atLimit, Buffer.alloc(2)]);
      await expectError(
        await uploadReferenceAudio(app, {
          bytes: overLimit,
          filename: 'limit.pcm',
          sampleRate: 48000,
        }),
        413,
        'PayloadTooLarge',
        /MAX_UPLOAD_BYTES/,
      );
    });

    it('an oversized upload is cut off: the 413 arrives long before the body is sent', async () => {
      const total = 200 * 1024 * 1024;
      const result = await streamUpload(app, total);
      expect(result.status).toBe(413);
      expect(JSON.parse(result.body)).toMatchObject({ code: 'PayloadTooLarge' });
      // What was written before the answer: the limit plus socket buffers, not the 200 MiB.
      expect(result.bytesWritten).toBeLessThan(40 * 1024 * 1024);
    });

    it('a client that disconnects in the middle of the file leaves nothing behind', async () => {
      // Raw PCM: if the server took the cut-off as the end of the file, half of it would still be
      // valid audio and would be stored.
      const pcm = makePcm16(speechLikeSamples(10, 16000));
      const boundary = `----abort-${randomUUID()}`;
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pcm"\r\n\r\n`,
      );
      const req = request(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
        method: 'POST',
        headers: {
          ...authHeaders(app),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + pcm.length + 100),
        },
      });
      req.on('error', () => undefined);
      req.write(head);
      req.write(pcm.subarray(0, pcm.length / 2));
      await new Promise((resolve) => setTimeout(resolve, 100));
      req.destroy();
      await new Promise((resolve) => setTimeout(resolve, 300));
    });

    it.each([
      ['../evil.wav', /path components/],
      ['..', /path components/],
      ['voices/evil.wav', /path components/],
      ['C:\\voices\\evil.wav', /path components/],
      ['bell\u0007.wav', /control characters/],
      ['esc\u001b[31m.wav', /control characters/],
    ])('file name %j: 400', async (filename, message) => {
      await expectError(
        await uploadReferenceAudio(app, { bytes: makeSpeechWav(1), filename }),
        400,
        'InvalidParameter',
        message,
      );
    });

    it.each(['abc', '1000', '96000', '16000.5'])('sample_rate=%s: 400', async (sampleRate) => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(makeSpeechWav(1))]), 'voice.wav');
      form.append('text', 'hello');
      form.append('sample_rate', sampleRate);
      await expectError(
        await send(REFERENCE_AUDIO_PATH, { method: 'POST', body: form }),
        400,
        'InvalidParameter',
        /sample_rate must be/,
      );
    });

    it('a JSON body instead of multipart: 415', async () => {
      await expectError(
        await send(REFERENCE_AUDIO_PATH, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: 'hello', file: 'UklGRg==' }),
        }),
        415,
        'UnsupportedMediaType',
        /multipart\/form-data/,
      );
    });
  });

  describe('list', () => {
    it.each(['0', '-1', 'abc', '1001', '1.5', ''])('limit=%j: 400', async (limit) => {
      await expectError(
        await send(`${REFERENCE_AUDIO_PATH}?limit=${encodeURIComponent(limit)}`),
        400,
        'InvalidParameter',
        /limit must be/,
      );
    });

    it.each(['up', 'ASC', 'random'])('order=%s: 400', async (order) => {
      await expectError(
        await send(`${REFERENCE_AUDIO_PATH}?order=${order}`),
        400,
        'InvalidParameter',
        /order must be asc or desc/,
      );
    });
  });

  describe('get and delete by id', () => {
    it.each(['not-a-uuid', '123', '50a5fdb9-c3ad-445a-adbb-3be32750****', '..%2F..%2Fetc'])(
      'malformed id %j: 400 for GET and DELETE',
      async (id) => {
        for (const method of ['GET', 'DELETE']) {
          await expectError(
            await send(`${REFERENCE_AUDIO_PATH}/${id}`, { method }),
            400,
            'InvalidParameter',
            /id must be a UUID/,
          );
        }
      },
    );

    it('unknown id: 404 for GET and DELETE', async () => {
      const id = randomUUID();
      for (const method of ['GET', 'DELETE']) {
        await expectError(
          await send(`${REFERENCE_AUDIO_PATH}/${id}`, { method }),
          404,
          'NotFound',
          new RegExp(`reference audio ${id} not found`),
        );
      }
    });
  });
});

/**
 * Streams a multipart upload of `total` file bytes with node:http, stopping when the answer
 * arrives, and reports how much had been written by then.
 */
function streamUpload(
  app: TestApp,
  total: number,
): Promise<{ status: number; body: string; bytesWritten: number }> {
  const boundary = `----bad-input-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.wav"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x11);
  return new Promise((resolve, reject) => {
    let bytesWritten = 0;
    let answered = false;
    const req = request(
      `${app.baseUrl}${REFERENCE_AUDIO_PATH}`,
      {
        method: 'POST',
        headers: {
          ...authHeaders(app),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + total + tail.length),
        },
      },
      (res) => {
        answered = true;
        const written = bytesWritten;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (data: string) => (body += data));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, bytesWritten: written }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      if (!answered) {
        reject(error);
      }
    });
    req.write(head);
    const pump = (): void => {
      while (!answered && bytesWritten < total) {
        bytesWritten += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) {
        req.end(tail);
      }
    };
    pump();
  });
}
