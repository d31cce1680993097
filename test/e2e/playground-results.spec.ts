import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { eventually, shownSeconds, usePlaygroundSession } from '../support/playground-session.js';
import { referenceVoiceWav } from '../support/speech-clients.js';

/** The parts of the page's <audio> element the tests read (the tests compile without DOM types). */
interface MediaElement {
  readyState: number;
  duration: number;
  currentTime: number;
  play(): Promise<void>;
}

/** Codec (ffprobe) and decoded length (ffmpeg: FLAC's header may not give one) of a file. */
function probe(path: string): { codec: string; seconds: number } {
  const probed = JSON.parse(
    execFileSync('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,sample_rate',
      '-of',
      'json',
      path,
    ]).toString(),
  ) as { streams: { codec_name: string; sample_rate: string }[] };
  const rate = Number(probed.streams[0].sample_rate);
  const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 's16le', '-ac', '1', '-'], {
    maxBuffer: 1 << 26,
  });
  return { codec: probed.streams[0].codec_name, seconds: pcm.length / 2 / rate };
}

describe('the playground: upload name and selection, replay, errors, token, Opus/FLAC (Chromium)', () => {
  const session = usePlaygroundSession('playground-results', (workDir) =>
    join(workDir, 'no-microphone.wav'),
  );

  async function synthesize(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Text to speak' }).fill(text);
    await page.getByRole('button', { name: 'Synthesize' }).click();
  }

  it('an upload with a name stores the name and selects the new voice for the next synthesis', async () => {
    const page = await session.open();
    const picker = page.locator('#voice-select');
    await eventually(() => picker.locator('option').count()).toBeGreaterThan(0);
    const before = await picker.inputValue();
    const file = join(session.workDir, 'named.wav');
    await writeFile(file, referenceVoiceWav(240));
    await page.getByLabel('Voice file').setInputFiles(file);
    await page.getByRole('textbox', { name: 'Transcript' }).fill('希望你以后能够做得比我还好哟');
    await page.getByLabel('Name (optional)').fill('Browser-Voice');
    await page.getByRole('button', { name: 'Upload voice' }).click();
    await eventually(() => page.locator('#upload-message').textContent()).toBe(
      'Uploaded browser-voice.',
    );
    const listed = (await (
      await fetch(`${session.app.baseUrl}${REFERENCE_AUDIO_PATH}?limit=1000`, {
        headers: authHeaders(session.app),
      })
    ).json()) as { id: string; name?: string }[];
    const uploaded = listed.find((voice) => voice.name === 'browser-voice');
    expect(uploaded).toBeDefined();
    await eventually(() => picker.inputValue()).toBe(uploaded!.id);
    expect(uploaded!.id).not.toBe(before);
    expect(await page.getByLabel('Name (optional)').inputValue()).toBe('');
  });

  it('a player replays the result, as long as the synthesis', async () => {
    const page = await session.open();
    await synthesize(page, '今天天气怎么样？');
    await page.getByRole('link', { name: 'Download' }).waitFor({ state: 'visible' });
    const produced = await shownSeconds(page, 'produced');
    const player = page.locator('#result-player');
    expect(await player.isVisible()).toBe(true);
    await eventually(() =>
      player.evaluate((audio) => (audio as unknown as MediaElement).readyState),
    ).toBeGreaterThanOrEqual(1);
    const duration = await player.evaluate((audio) => (audio as unknown as MediaElement).duration);
    expect(Math.abs(duration - produced)).toBeLessThan(0.05);
    await player.evaluate((audio) => (audio as unknown as MediaElement).play());
    await eventually(() =>
      player.evaluate((audio) => (audio as unknown as MediaElement).currentTime),
    ).toBeGreaterThan(0);
  });

  it('a new error clears the previous result and its Download link', async () => {
    const page = await session.open();
    await synthesize(page, '北京，你好。');
    const download = page.locator('#download');
    await download.waitFor({ state: 'visible' });
    await synthesize(page, 'x'.repeat(5001));
    await eventually(() => page.locator('#synthesis-error').textContent()).toMatch(
      /InvalidParameter/,
    );
    expect(await download.isVisible()).toBe(false);
    expect(await download.getAttribute('href')).toBeNull();
    expect(await page.locator('#result-player').isVisible()).toBe(false);
    expect(await page.locator('#waveform').isVisible()).toBe(false);
    expect(await page.locator('#produced').textContent()).toBe('–');
  });

  it('with a missing or wrong token the voice list says the token is the problem', async () => {
    session.expectErrors(/status of 401/);
    const page = await session.open(false);
    const empty = page.locator('#voice-list-empty');
    await eventually(() => empty.textContent()).toBe(
      'The voices cannot be listed: the token is missing or wrong (see Token above).',
    );
    expect(await empty.isVisible()).toBe(true);
    await page.getByLabel('API token').fill('wrong-token');
    await page.getByLabel('API token').blur();
    await eventually(() => page.locator('#token-message').textContent()).toMatch(
      /invalid API token/,
    );
    expect(await empty.textContent()).toBe(
      'The voices cannot be listed: the token is missing or wrong (see Token above).',
    );
    await page.getByLabel('API token').fill(session.app.token);
    await page.getByLabel('API token').blur();
    await eventually(() => empty.isVisible()).toBe(false);
  });

  it.each([
    ['opus', true, 'opus'],
    ['flac', false, 'flac'],
  ])(
    'offers %s: synthesises it (streaming %s), plays it and downloads a file ffmpeg decodes',
    async (format, streaming, codec) => {
      const page = await session.open();
      await page.getByLabel('Output format').selectOption(format);
      if (!streaming) await page.getByLabel('Streaming').uncheck();
      await synthesize(page, '收到好友从远方寄来的生日礼物。');
      const download = page.getByRole('link', { name: 'Download' });
      await download.waitFor({ state: 'visible' });
      const produced = await shownSeconds(page, 'produced');
      expect(produced).toBeGreaterThan(0.3);
      await eventually(() => shownSeconds(page, 'played')).toBeGreaterThan(0);
      const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
      expect(file.suggestedFilename()).toMatch(new RegExp(`\\.${format}$`));
      const probed = probe(await file.path());
      expect(probed.codec).toBe(codec);
      expect(Math.abs(probed.seconds - produced)).toBeLessThan(0.1);
    },
  );
});
