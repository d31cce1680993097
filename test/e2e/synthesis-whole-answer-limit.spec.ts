import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSpeech, type SpeechEvent, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const run = promisify(execFile);

/** Small, so a text "just under" it is quick to synthesise on the tiny pack. */
const LIMIT_SECONDS = 6;

/**
 * Issue 20 item 4: an answer sent as one file (REST stream=false, OpenAI /v1/audio/speech
 * without SSE) is bounded by MAX_WHOLE_ANSWER_SECONDS, estimated from the text and the speed
 * before synthesis starts: 0.25 s per CJK character, 0.07 s per other character, divided by the
 * speed.
 */
describe('MAX_WHOLE_ANSWER_SECONDS: whole-file answers are bounded before synthesis', () => {
  let app: TestApp;
  let voice: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosyvoice-whole-answer-'));
    app = await startTestApp({
      MODEL_DIR: await prepareTinyPack(),
      MAX_WHOLE_ANSWER_SECONDS: String(LIMIT_SECONDS),
    });
    voice = await uploadVoice(app, 180, '希望你以后能够做的比我还好呦。');
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((entry) => entry.startsWith(name));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  const REFUSED = 'synthesis_refused_total{reason="whole_answer_too_long"}';
  const SYNTHESISED = 'synthesis_audio_seconds_total';

  function wholeAnswer(text: string, speed: number, sampleRate = 48000) {
    return postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'cross_lingual_replication', text, reference_audio_id: voice },
      output_format: 'wav',
      sample_rate: sampleRate,
      speed,
      seed: 1,
      stream: false,
    });
  }

  it("refuses the probe's 5,000-character, 48 kHz, speed 0.5 stream:false request with 400 before synthesis", async () => {
    const spokenBefore = await metric(SYNTHESISED);
    const response = await wholeAnswer('好'.repeat(5000), 0.5);
    expect(await response.json()).toMatchObject({
      code: 'InvalidParameter',
      message:
        `the answer would hold about 2500 s of audio (estimated from the text's length and the ` +
        `speed); an answer sent as one file holds at most ${LIMIT_SECONDS} s ` +
        '(MAX_WHOLE_ANSWER_SECONDS): stream it (stream: true, or stream_format: "sse") or split the text',
    });
    expect(response.status).toBe(400);
    expect(await metric(REFUSED)).toBe(1);
    expect(await metric(SYNTHESISED), 'no audio was made').toBe(spokenBefore);
  });

  it('refuses the same on the OpenAI route without SSE, and streams it with SSE', async () => {
    const openAi = (streamFormat: 'audio' | 'sse') =>
      fetch(`${app.baseUrl}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
        body: JSON.stringify({
          model: 'tts-1',
          voice,
          input: 'Hello there, this is a long text. '.repeat(10),
          speed: 0.5,
          stream_format: streamFormat,
        }),
      });
    const refused = await openAi('audio');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /^the answer would hold about 48 s of audio .* at most 6 s \(MAX_WHOLE_ANSWER_SECONDS\)/,
    );
    const streamed = await openAi('sse');
    expect(streamed.status).toBe(200);
    await streamed.body?.cancel();
  });

  it('answers a text estimated just under the limit, with a WAV ffprobe reads', async () => {
    // 12 CJK characters at speed 0.5: 12 × 0.25 / 0.5 = 6 s, the limit itself
    const text = '收到好友从远方寄来的生日';
    expect([...text]).toHaveLength(12);
    const over = await wholeAnswer(`${text}礼`, 0.5);
    expect(over.status).toBe(400);
    const response = await wholeAnswer(text, 0.5);
    const body = (await response.json()) as SpeechEvent;
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(response.headers.get('content-length')).toBe(
      String(Buffer.byteLength(JSON.stringify(body))),
    );
    const wav = Buffer.from(body.output.audio.data, 'base64');
    const path = join(dir, 'under.wav');
    await writeFile(path, wav);
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=sample_rate,channels:format=duration',
      '-of',
      'csv=p=0',
      path,
    ]);
    const [rates, duration] = probe.stdout.trim().split('\n');
    expect(rates).toBe('48000,1');
    expect(Number(duration)).toBeCloseTo((wav.length - 44) / 2 / 48000, 2);
    expect(Number(duration)).toBeLessThanOrEqual(LIMIT_SECONDS);
  });
});
