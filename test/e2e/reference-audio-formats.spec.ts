import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import { launchChromium } from '../support/playground-browser.js';
import { postSpeech, type SpeechEvent } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const run = promisify(execFile);

/** Records 2.5 s of the fake microphone with MediaRecorder as a web app would; base64 WebM. */
const RECORD_IN_PAGE = `(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const recorder = new MediaRecorder(stream, { mimeType: 'audio/webm;codecs=opus' });
  const parts = [];
  recorder.ondataavailable = (event) => parts.push(event.data);
  recorder.start(250);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await new Promise((resolve) => { recorder.onstop = resolve; recorder.stop(); });
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
})()`;

/** Each new upload format, made by ffmpeg from espeak-ng speech, with its file name. */
const FILES = [
  { name: 'voice.flac', args: ['-c:a', 'flac'], type: 'audio/flac' },
  {
    name: 'voice-note.ogg',
    args: ['-c:a', 'libopus', '-b:a', '24k'],
    type: 'audio/ogg; codecs=opus',
  },
  { name: 'voice.opus', args: ['-c:a', 'libopus'], type: 'audio/ogg; codecs=opus' },
  { name: 'voice.ogg', args: ['-c:a', 'libvorbis'], type: 'audio/ogg; codecs=vorbis' },
  { name: 'recording.webm', args: ['-c:a', 'libopus'], type: 'audio/webm; codecs=opus' },
] as const;

describe('POST reference_audio with FLAC, Ogg Opus, Ogg Vorbis and WebM Opus files (real engine on the tiny pack)', () => {
  let app: TestApp;
  let dir: string;
  const bytes = new Map<string, Buffer>();

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
    dir = await mkdtemp(join(tmpdir(), 'upload-formats-'));
    const speech = join(dir, 'speech.wav');
    await run('espeak-ng', ['-v', 'en', '-w', speech, 'Hello, this is my voice for cloning.']);
    for (const file of [...FILES, { name: 'memo.m4a', args: ['-c:a', 'aac'] }]) {
      const path = join(dir, file.name);
      await run('ffmpeg', ['-v', 'error', '-y', '-i', speech, ...file.args, path]);
      bytes.set(file.name, await readFile(path));
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await app?.close();
  });

  it.each(FILES)(
    '$name: stored as it came ($type), then synthesizes with it',
    async ({ name, type }) => {
      const response = await uploadReferenceAudio(app, {
        bytes: bytes.get(name)!,
        filename: name,
        text: 'Hello, this is my voice for cloning.',
      });
      const body = (await response.json()) as { id: string; duration: number };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.duration).toBeGreaterThan(1.5);
      const stored = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${body.id}/audio`, {
        headers: authHeaders(app),
      });
      expect(stored.status).toBe(200);
      expect(stored.headers.get('content-type')).toBe(type);
      expect(Buffer.from(await stored.arrayBuffer())).toEqual(bytes.get(name));
      const speech = await postSpeech(app, {
        model: 'CosyVoice2-0.5B',
        input: { mode: 'cross_lingual_replication', reference_audio_id: body.id, text: '你好。' },
        stream: false,
      });
      const answer = (await speech.json()) as SpeechEvent;
      expect(speech.status).toBe(200);
      expect(answer.output.finish_reason).toBe('stop');
    },
  );

  it.each([
    ['voice.flac', /^the FLAC/],
    ['voice.ogg', /^the Ogg Vorbis file is cut short/],
    ['voice.opus', /^the Ogg Opus file is cut short/],
  ])('%s cut in half: 400 InvalidAudio that says so', async (name, message) => {
    const whole = bytes.get(name)!;
    const response = await uploadReferenceAudio(app, {
      bytes: whole.subarray(0, Math.floor(whole.length / 2)),
      filename: name,
    });
    const body = (await response.json()) as { code: string; message: string };
    expect(response.status).toBe(400);
    expect(body.code).toBe('InvalidAudio');
    expect(body.message).toMatch(message);
  });

  it("a browser's MediaRecorder recording (Chromium, WebM Opus, no duration, unknown sizes) is accepted", async () => {
    const microphone = join(dir, 'microphone.wav');
    await run('espeak-ng', [
      '-v',
      'en',
      '-w',
      microphone,
      'Hello, this is my voice, recorded in the browser.',
    ]);
    const browser = await launchChromium(microphone);
    let recording: Buffer;
    try {
      const page = await browser.newPage();
      // a page of the service's origin: loopback is a secure context, where getUserMedia exists
      await page.goto(`${app.baseUrl}/health`);
      const base64 = await page.evaluate<string>(RECORD_IN_PAGE);
      recording = Buffer.from(base64, 'base64');
    } finally {
      await browser.close();
    }
    expect(recording.subarray(0, 4)).toEqual(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
    const response = await uploadReferenceAudio(app, {
      bytes: recording,
      filename: 'recording.webm',
      text: 'Hello, this is my voice, recorded in the browser.',
    });
    const body = (await response.json()) as { duration: number };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.duration).toBeGreaterThan(1.5);
  });

  it('an M4A voice memo: 400 InvalidAudio that says how to convert it', async () => {
    const response = await uploadReferenceAudio(app, {
      bytes: bytes.get('memo.m4a')!,
      filename: 'memo.m4a',
    });
    const body = (await response.json()) as { code: string; message: string };
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ code: 'InvalidAudio' });
    expect(body.message).toContain('convert it first, e.g. ffmpeg -i voice.m4a voice.flac');
  });
});
