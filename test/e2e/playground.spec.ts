import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../src/audio/audio-decoder.js';
import { authHeaders, createReferenceAudio, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { PLAYGROUND_CSP } from '../support/playground-browser.js';
import { eventually, shownSeconds, usePlaygroundSession } from '../support/playground-session.js';
import { referenceVoiceWav, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface VoiceObject {
  id: string;
  filename: string;
  text: string;
  duration: number;
}

/** Long enough that the tiny pack is still synthesising it when the test presses Stop. */
const LONG_TEXT =
  '收到好友从远方寄来的生日礼物，那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐。'.repeat(20);

async function listVoices(app: TestApp): Promise<VoiceObject[]> {
  const response = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}?limit=1000`, {
    headers: authHeaders(app),
  });
  return (await response.json()) as VoiceObject[];
}

async function metric(app: TestApp, series: string): Promise<number> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1) ?? 0);
}

/**
 * The fake microphone: espeak-ng speech (`spoken.wav`, also a file to upload), at 48 kHz with a
 * second of silence after it.
 */
function speakingMicrophone(workDir: string): string {
  const microphone = join(workDir, 'microphone.wav');
  const spoken = join(workDir, 'spoken.wav');
  execFileSync('espeak-ng', ['-w', spoken, 'Hello, this is my voice in the browser.']);
  execFileSync('sox', [spoken, '-r', '48000', '-c', '1', '-b', '16', microphone, 'pad', '0', '1']);
  return microphone;
}

describe('the web playground at / in Chromium (tiny pack)', () => {
  const session = usePlaygroundSession('playground', speakingMicrophone);

  async function synthesize(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Text to speak' }).fill(text);
    await page.getByRole('button', { name: 'Synthesize' }).click();
  }

  it('serves the page under the same-origin CSP: no inline script, nothing from elsewhere', async () => {
    const response = await fetch(`${session.app.baseUrl}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`content="${PLAYGROUND_CSP}"`);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)[^>]*>/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('shows the model state and device from /ready, and the banner of a test pack', async () => {
    const page = await session.open();
    await eventually(() => page.locator('#model-status').textContent()).toBe(
      'Model: loaded on cpu',
    );
    const banner = page.locator('#test-pack-banner');
    await eventually(() => banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toMatch(/test pack: its audio is quiet noise, not speech/);

    await page.route(`${session.app.baseUrl}/ready`, (route) =>
      route.fulfill({
        json: {
          status: 'ok',
          checks: { model: { status: 'ok', device: 'cpu', test_pack: false } },
        },
      }),
    );
    await page.reload();
    await eventually(() => page.locator('#model-status').textContent()).toBe(
      'Model: loaded on cpu',
    );
    expect(await banner.isVisible()).toBe(false);
  });

  it('gives every control a label', async () => {
    const page = await session.open();
    const unlabelled = await page.evaluate<string[]>(`
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((control) => (control.labels?.length ?? 0) === 0
          && !control.getAttribute('aria-label') && !control.textContent.trim())
        .map((control) => control.outerHTML)`);
    expect(unlabelled).toEqual([]);
  });

  it('shows a wrong token as Unauthorized at the token field', async () => {
    session.expectErrors(/status of 401/);
    const page = await session.open(false);
    await eventually(() => page.locator('#token-message').textContent()).toMatch(
      /\(Unauthorized\): missing Authorization/,
    );
    await page.getByLabel('API token').fill('wrong-token');
    await page.getByLabel('API token').blur();
    await eventually(() => page.locator('#token-message').textContent()).toMatch(
      /^The token is missing or wrong \(Unauthorized\): invalid API token$/,
    );
    expect(await page.getByLabel('API token').getAttribute('aria-invalid')).toBe('true');
  });

  it('uploads a voice from a file and lists it with its transcript and duration', async () => {
    const page = await session.open();
    const file = join(session.workDir, 'file-voice.wav');
    execFileSync('sox', [join(session.workDir, 'spoken.wav'), '-r', '16000', file]);
    await page.getByLabel('Voice file').setInputFiles(file);
    await page.getByRole('textbox', { name: 'Transcript' }).fill('Hello, this is my voice.');
    await page.getByRole('button', { name: 'Upload voice' }).click();
    await eventually(() => page.locator('#upload-message').textContent()).toBe(
      'Uploaded file-voice.wav.',
    );
    const stored = (await listVoices(session.app)).find(
      (voice) => voice.filename === 'file-voice.wav',
    );
    expect(stored?.text).toBe('Hello, this is my voice.');
    const item = page.getByRole('listitem').filter({ hasText: 'file-voice.wav' });
    await eventually(() => item.textContent()).toContain('Hello, this is my voice.');
    expect(await item.textContent()).toContain(`${stored!.duration.toFixed(1)} s`);
  });

  it('records a voice with the microphone and uploads it as a 16-bit mono WAV', async () => {
    const page = await session.open();
    const record = page.getByRole('button', { name: 'Record' });
    await record.click();
    await eventually(() => record.getAttribute('aria-pressed')).toBe('true');
    await eventually(() =>
      page.locator('#record-level').getAttribute('value').then(Number),
    ).toBeGreaterThan(0);
    await page.waitForTimeout(1800);
    await record.click();
    await eventually(() => page.locator('#upload-source').textContent()).toMatch(
      /^Will upload the recording \(\d+\.\d s, 16-bit WAV\)\.$/,
    );
    await page
      .getByRole('textbox', { name: 'Transcript' })
      .fill('Hello, this is my voice in the browser.');
    await page.getByRole('button', { name: 'Upload voice' }).click();
    await eventually(() => page.locator('#upload-message').textContent()).toMatch(
      /^Uploaded recording-/,
    );

    const recorded = (await listVoices(session.app)).find((voice) =>
      voice.filename.startsWith('recording-'),
    );
    expect(recorded!.duration).toBeGreaterThan(1.5);
    expect(recorded!.duration).toBeLessThan(4);
    const audio = await fetch(
      `${session.app.baseUrl}${REFERENCE_AUDIO_PATH}/${recorded!.id}/audio`,
      {
        headers: authHeaders(session.app),
      },
    );
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await audio.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect({
      channels: wav.readUInt16LE(22),
      rate: wav.readUInt32LE(24),
      bits: wav.readUInt16LE(34),
    }).toEqual({
      channels: 1,
      rate: 24000,
      bits: 16,
    });
    const decoded = await decodeAudio(wav);
    expect(Math.abs(decoded.duration - recorded!.duration)).toBeLessThan(0.01);
  });

  it('streams a synthesis over the WebSocket, plays it and downloads the whole WAV', async () => {
    const page = await session.open();
    await synthesize(page, '今天天气怎么样？我们一起去公园散步吧。');
    const download = page.getByRole('link', { name: 'Download' });
    await download.waitFor({ state: 'visible' });
    expect(await page.locator('#first-audio').textContent()).toMatch(/^\d+ ms$/);
    expect(await page.locator('#real-time-factor').textContent()).toMatch(/^\d+\.\d{3}$/);
    const produced = await shownSeconds(page, 'produced');
    expect(produced).toBeGreaterThan(0.5);
    await eventually(() => shownSeconds(page, 'played')).toBeGreaterThan(produced - 0.1);
    expect(await page.getByRole('img', { name: 'Waveform' }).isVisible()).toBe(true);

    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^speech-.*\.wav$/);
    const bytes = await readFile(await file.path());
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    const audio = await decodeAudio(bytes);
    expect(audio.sampleRate).toBe(24000);
    expect(Math.abs(audio.duration - produced)).toBeLessThan(0.011);
  });

  it('synthesizes a whole MP3 over REST (streaming off) and downloads it', async () => {
    const page = await session.open();
    await page.getByLabel('Output format').selectOption('mp3');
    await page.getByLabel('Sample rate').selectOption('16000');
    await page.getByLabel('Streaming').uncheck();
    await page.getByLabel('Seed').fill('7');
    await synthesize(page, '收到好友从远方寄来的生日礼物。');
    const download = page.getByRole('link', { name: 'Download' });
    await download.waitFor({ state: 'visible' });
    const produced = await shownSeconds(page, 'produced');
    await eventually(() => shownSeconds(page, 'played')).toBeGreaterThan(0);
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/\.mp3$/);
    const path = await file.path();
    const probed = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path]).toString(),
    ) as { streams: { codec_name: string; sample_rate: string; duration: string }[] };
    expect(probed.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '16000' });
    expect(Math.abs(Number(probed.streams[0].duration) - produced)).toBeLessThan(0.1);
  });

  it('streams an MP3 and plays it while it arrives', async () => {
    const page = await session.open();
    await page.getByLabel('Output format').selectOption('mp3');
    await synthesize(page, '北京，你好。');
    await page.getByRole('link', { name: 'Download' }).waitFor({ state: 'visible' });
    await eventually(() => shownSeconds(page, 'played')).toBeGreaterThan(0.2);
  });

  it('works from the keyboard: Tab from the text to Synthesize, Enter plays it', async () => {
    const page = await session.open();
    await page.getByRole('textbox', { name: 'Text to speak' }).fill('北京，你好。');
    await page.getByRole('textbox', { name: 'Text to speak' }).focus();
    const focused = () => page.evaluate<string>('document.activeElement.id');
    for (let presses = 0; presses < 12 && (await focused()) !== 'synthesize'; presses++) {
      await page.keyboard.press('Tab');
    }
    expect(await focused()).toBe('synthesize');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Download' }).waitFor({ state: 'visible' });
    await eventually(() => shownSeconds(page, 'played')).toBeGreaterThan(0);
  });

  it('shows the instruct field only in the instruct mode', async () => {
    const page = await session.open();
    const instruct = page.getByLabel('Instruction');
    expect(await instruct.isVisible()).toBe(false);
    await page.getByLabel('Mode').selectOption('natural_language_replication');
    expect(await instruct.isVisible()).toBe(true);
    await page.getByLabel('Mode').selectOption('cross_lingual_replication');
    expect(await instruct.isVisible()).toBe(false);
  });

  it('shows an API error in words with its code (text too long)', async () => {
    const page = await session.open();
    await synthesize(page, 'x'.repeat(5001));
    await eventually(() =>
      page.getByRole('alert').filter({ hasText: 'InvalidParameter' }).textContent(),
    ).toMatch(/^A value was refused \(InvalidParameter\): .*5000/);
  });

  it('stops a running task: the server cancels it and no synthesis stays active', async () => {
    const page = await session.open();
    const abortedBefore = await metric(
      session.app,
      'synthesis_requests_total{mode="fast_replication",format="wav",transport="websocket",outcome="aborted"}',
    );
    await synthesize(page, LONG_TEXT);
    await eventually(() => shownSeconds(page, 'produced')).toBeGreaterThan(0);
    expect(await metric(session.app, 'synthesis_active')).toBe(1);
    await page.getByRole('button', { name: 'Stop' }).click();
    await eventually(() => page.locator('#synthesis-message').textContent()).toBe(
      'Stopped; the task was cancelled on the server.',
    );
    await eventually(() => metric(session.app, 'synthesis_active')).toBe(0);
    expect(
      await metric(
        session.app,
        'synthesis_requests_total{mode="fast_replication",format="wav",transport="websocket",outcome="aborted"}',
      ),
    ).toBe(abortedBefore + 1);
    expect(await page.getByRole('link', { name: 'Download' }).isVisible()).toBe(false);
  });

  it('without a model pack: says why, in either language, and shows ModelNotLoaded in words', async () => {
    const noModel = await startTestApp({});
    session.expectErrors(/status of 503/);
    let closePage = async (): Promise<void> => undefined;
    try {
      await uploadVoice(noModel, 200, '希望你以后能够做得比我还好哟');
      const { page, context } = await session.watch(noModel.token);
      closePage = () => context.close();
      await page.goto(`${noModel.baseUrl}/`);
      await eventually(() => page.locator('#model-status').textContent()).toMatch(
        /^Model: not loaded — \S/,
      );
      await page.getByRole('button', { name: '中文' }).click();
      expect(await page.locator('#model-status').textContent()).toMatch(/^模型：未加载 — /);
      await page.getByRole('button', { name: 'English' }).click();
      await synthesize(page, '今天天气怎么样？');
      await eventually(() => page.locator('#synthesis-error').textContent()).toMatch(
        /^The speech model is not loaded \(ModelNotLoaded\): /,
      );
    } finally {
      // Before the app goes, so the page logs no refused connection.
      await closePage();
      await noModel.close();
    }
  });

  it('deletes a voice after the confirmation', async () => {
    const id = await createReferenceAudio(session.app, {
      bytes: referenceVoiceWav(240),
      filename: 'delete-me.wav',
      text: '删除我',
    });
    const page = await session.open();
    const remove = page.getByRole('button', { name: 'Delete delete-me.wav' });
    await remove.waitFor();
    await remove.click();
    const dialog = page.getByRole('dialog');
    await eventually(() => dialog.textContent()).toContain('Delete the voice delete-me.wav?');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await listVoices(session.app)).map((voice) => voice.id)).toContain(id);

    await remove.click();
    await dialog.getByRole('button', { name: 'Delete voice' }).click();
    await eventually(async () =>
      (await listVoices(session.app)).map((voice) => voice.id),
    ).not.toContain(id);
    await remove.waitFor({ state: 'detached' });
    expect(await page.locator('#upload-message').textContent()).toBe('Deleted delete-me.wav.');
  });
});

describe('UI_ENABLED=false', () => {
  it('serves no page at / (404) while the API keeps working', async () => {
    const app = await startTestApp({ UI_ENABLED: 'false' });
    try {
      expect((await fetch(`${app.baseUrl}/`)).status).toBe(404);
      expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
