import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { prepareBuiltService, type BuiltService } from '../support/built-service.js';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import type { ServiceProcess } from '../support/service-process.js';

const UPLOADS = 6;

/**
 * kill -9 while uploads are being stored: whatever the process left behind (objects without a
 * row, `.partial` files) is cleaned up once it runs again, and no row loses its audio.
 */
describe('kill -9 during uploads, then a restart', () => {
  const token = 'crash-test-token-0123456789abcdef0123456789';
  let built: BuiltService;
  let storageDir: string;
  let start: () => Promise<ServiceProcess>;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    built = await prepareBuiltService('crash-e2e', {
      API_TOKENS: token,
      ORPHAN_GRACE_SECONDS: '1',
      LOG_LEVEL: 'warn',
    });
    storageDir = built.storageDir;
    start = () => built.start();
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await built?.dispose();
  });

  async function storedFiles(): Promise<string[]> {
    return (await readdir(storageDir).catch(() => [])).sort();
  }

  async function voiceIds(running: ServiceProcess): Promise<string[]> {
    const response = await fetch(`${running.baseUrl}${REFERENCE_AUDIO_PATH}?limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id: string }[]).map((voice) => voice.id);
  }

  function upload(running: ServiceProcess, bytes: Buffer): Promise<unknown> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'voice.wav');
    form.append('text', 'a voice uploaded while the process is killed');
    return fetch(`${running.baseUrl}${REFERENCE_AUDIO_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    }).then(
      (response) => response.arrayBuffer(),
      () => undefined,
    );
  }

  it('leaves no orphan object or .partial file, and every voice keeps its objects', async () => {
    const wav = makeSpeechWav(20, 48000);
    const killed = await start();
    const uploads = Array.from({ length: UPLOADS }, () => upload(killed, wav));
    // kill as soon as the first file appears: some upload is between its write and its row
    await vi.waitFor(async () => expect((await storedFiles()).length).toBeGreaterThan(0), {
      timeout: 20_000,
      interval: 5,
    });
    await killed.kill('SIGKILL');
    await Promise.all(uploads);
    const leftBehind = await storedFiles();
    // past ORPHAN_GRACE_SECONDS, so the next boot may clean up
    await new Promise((resolve) => setTimeout(resolve, 1100));

    service = await start();
    const ids = await voiceIds(service);
    const owned = (name: string) => ids.some((id) => name.startsWith(`${id}.`));
    const orphans = leftBehind.filter((name) => !owned(name));
    expect(orphans.length, 'the kill left nothing to clean up').toBeGreaterThan(0);

    await vi.waitFor(
      async () => {
        const files = await storedFiles();
        expect(files.filter((name) => !owned(name))).toEqual([]);
      },
      { timeout: 15_000, interval: 100 },
    );
    const files = await storedFiles();
    for (const id of ids) expect(files).toContain(`${id}.wav`);
  }, 300_000);
});
