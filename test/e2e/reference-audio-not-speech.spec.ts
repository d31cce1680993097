import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadReferenceAudio } from '../support/http-client.js';
import { makeWav, speechLikeSamples } from '../support/reference-audio-fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const RATE = 16000;
const seconds = (count: number, sample: (i: number) => number) =>
  Float32Array.from({ length: count * RATE }, (_, i) => sample(i));

/**
 * Issue 20 item 10: voices must be speech with a transcript. Blank transcripts and audio that
 * decodes but holds no sound or no speech (silence, a DC level, a square wave) are refused with
 * 400 and a message saying what was found; each refusal is counted.
 */
describe('reference audio that cannot be a voice', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  async function refusal(response: Response): Promise<string> {
    const body = (await response.json()) as { code: string; message: string };
    return `${response.status} ${body.code}: ${body.message}`;
  }

  async function metric(reason: string): Promise<number> {
    const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const match = new RegExp(`^reference_audio_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm');
    return Number(match.exec(text)?.[1] ?? 0);
  }

  const speech = makeWav(speechLikeSamples(2, RATE), RATE);

  it.each(['   ', '\u200b\u200b', '。。', '\t\n'])(
    'a blank transcript (%j): 400 InvalidParameter',
    async (text) => {
      expect(await refusal(await uploadReferenceAudio(app, { bytes: speech, text }))).toBe(
        '400 InvalidParameter: text holds nothing to speak: the transcript must say what is ' +
          'spoken in the audio (letters or digits, not only spaces, punctuation or invisible characters)',
      );
    },
  );

  it('counts blank transcripts', async () => {
    expect(await metric('blank_transcript')).toBe(4);
  });

  it.each([
    {
      what: 'silence',
      samples: seconds(2, () => 0),
      message: 'the audio is silent (its level is -inf dBFS), not speech',
      reason: 'silent',
    },
    {
      what: 'near silence (-70 dBFS hiss)',
      samples: seconds(2, (i) => 0.0003 * Math.sin(i * 1.3) * Math.sin(i * 0.07)),
      message: /^the audio is silent \(its level is -7\d dBFS\), not speech/,
      reason: 'silent',
    },
    {
      what: 'a DC level',
      samples: seconds(2, () => 0.25),
      message: 'the audio is a constant level (DC 0.250) with no sound, not speech',
      reason: 'dc',
    },
    {
      what: 'a 200 Hz square wave',
      samples: seconds(2, (i) => (Math.floor((i * 400) / RATE) % 2 === 0 ? 0.5 : -0.5)),
      message:
        'the audio is a square wave (100 % of the samples sit at its two extreme levels), not speech',
      reason: 'square_wave',
    },
  ])('$what: 400 InvalidAudio naming what was found', async ({ samples, message, reason }) => {
    const before = await metric(reason);
    const response = await uploadReferenceAudio(app, { bytes: makeWav(samples, RATE) });
    const body = (await response.json()) as { code: string; message: string };
    expect(response.status).toBe(400);
    expect(body.code).toBe('InvalidAudio');
    if (typeof message === 'string') {
      expect(body.message).toBe(
        `${message}: a reference voice must be a recording of someone speaking the transcript`,
      );
    } else {
      expect(body.message).toMatch(message);
    }
    expect(await metric(reason)).toBe(before + 1);
  });

  it('speech-like audio, a gliding tone and a tone with an offset are still accepted', async () => {
    const tone = seconds(
      2,
      (i) => 0.1 + 0.3 * Math.sin((2 * Math.PI * (150 + i / 400) * i) / RATE),
    );
    for (const bytes of [speech, makeWav(tone, RATE)]) {
      const response = await uploadReferenceAudio(app, { bytes });
      expect(response.status, await response.clone().text()).toBe(200);
    }
  });
});

describe('/ready reports storage before uploads fail (STORAGE_MIN_FREE_BYTES)', () => {
  let app: TestApp;

  beforeAll(async () => {
    // more free space than any disk has: the threshold is crossed while uploads still work
    app = await startTestApp({ STORAGE_MIN_FREE_BYTES: String(2 ** 52) });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('fails /ready with the free space and the setting, while an upload still succeeds', async () => {
    const ready = await fetch(`${app.baseUrl}/ready`);
    const body = (await ready.json()) as { checks: { storage: { status: string; error: string } } };
    expect(ready.status).toBe(503);
    expect(body.checks.storage).toEqual({
      status: 'error',
      error: expect.stringMatching(
        /^\d+\.\d MiB free, below STORAGE_MIN_FREE_BYTES \(4294967296\.0 MiB\): uploads will soon fail with 507$/,
      ),
    });
    const upload = await uploadReferenceAudio(app, {
      bytes: makeWav(speechLikeSamples(2, RATE), RATE),
    });
    expect(upload.status).toBe(200);
  });
});
