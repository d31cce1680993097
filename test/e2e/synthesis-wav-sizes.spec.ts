import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  joinAudio,
  postSpeech,
  readSpeechEvents,
  type SpeechEvent,
  uploadVoice,
} from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const run = promisify(execFile);

describe('WAV answers: a whole file carries its exact sizes, a stream starts open-ended', () => {
  let app: TestApp;
  let voiceId: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosyvoice-wav-sizes-'));
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
    voiceId = await uploadVoice(app, 180, '希望你以后能够做的比我还好呦。');
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const request = (stream: boolean) => ({
    model: 'CosyVoice2-0.5B',
    input: {
      mode: 'fast_replication',
      text: '收到好友从远方寄来的生日礼物。',
      reference_audio_id: voiceId,
    },
    output_format: 'wav',
    sample_rate: 24000,
    seed: 3,
    stream,
  });

  it('stream: false: RIFF and data sizes are exact, read alike by Python wave and sox', async () => {
    const response = await postSpeech(app, request(false));
    const body = (await response.json()) as SpeechEvent;
    expect(response.status, JSON.stringify(body)).toBe(200);
    const wav = Buffer.from(body.output.audio.data, 'base64');
    expect(wav.length).toBeGreaterThan(44 + 2 * 2400);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    const path = join(dir, 'whole.wav');
    await writeFile(path, wav);
    const frames = (wav.length - 44) / 2;
    const python = await run('/usr/bin/python3', [
      '-c',
      'import sys, wave; w = wave.open(sys.argv[1]); print(w.getnframes(), w.getframerate())',
      path,
    ]);
    expect(python.stdout.trim()).toBe(`${frames} 24000`);
    const sox = await run('sox', ['--i', '-s', path]);
    expect(Number(sox.stdout.trim())).toBe(frames);
  });

  it('stream: true: the first chunk keeps the unknown-length header; the joined stream decodes', async () => {
    const response = await postSpeech(app, request(true));
    expect(response.status).toBe(200);
    const wav = joinAudio(await readSpeechEvents(response));
    expect(wav.readUInt32LE(4)).toBe(0xffffffff);
    expect(wav.readUInt32LE(40)).toBe(0xffffffff);
    const path = join(dir, 'stream.wav');
    await writeFile(path, wav);
    const ffprobe = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=sample_rate,channels',
      '-of',
      'csv=p=0',
      path,
    ]);
    expect(ffprobe.stdout.trim()).toBe('24000,1');
  });
});
