import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH, uploadReferenceAudio } from '../support/http-client.js';
import { makeWav, speechLikeSamples } from '../support/reference-audio-fixtures.js';
import { startTestApp, TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const isRoot = process.getuid?.() === 0;

/**
 * A real full disk: the local storage directory is a 1 MiB tmpfs (mounting needs root; the
 * driver's own ENOSPC handling is also covered by test/unit/storage/local-blob.storage-full.spec.ts).
 */
describe.runIf(isRoot)('local storage on a full disk', () => {
  let mountDir: string;
  let app: TestApp;
  // 0.6 MB each: one fits in 1 MiB, two do not
  const wav = makeWav(speechLikeSamples(18, 16000), 16000);

  beforeAll(async () => {
    mountDir = await mkdtemp(join(tmpdir(), 'cosyvoice-full-disk-'));
    await mkdir(mountDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountDir]);
    // STORAGE_MIN_FREE_BYTES off: this small disk is below its default from the start.
    app = await startTestApp({
      STORAGE_DIR: mountDir,
      MODEL_DIR: await prepareTinyPack(),
      STORAGE_MIN_FREE_BYTES: '0',
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    if (mountDir) {
      execFileSync('umount', [mountDir]);
      await rm(mountDir, { recursive: true, force: true });
    }
  });

  async function ready(): Promise<{ status: number; storage: unknown }> {
    const response = await fetch(`${app.baseUrl}/ready`);
    const body = (await response.json()) as { checks: { storage: unknown } };
    return { status: response.status, storage: body.checks.storage };
  }

  it('an upload that does not fit: 507 InsufficientStorage, nothing left, /ready fails until space is freed', async () => {
    const first = await uploadReferenceAudio(app, { bytes: wav });
    expect(first.status).toBe(200);
    const { id } = (await first.json()) as { id: string };
    expect((await ready()).status).toBe(200);

    const second = await uploadReferenceAudio(app, { bytes: wav });
    const body = (await second.json()) as Record<string, unknown>;
    expect(second.status, JSON.stringify(body)).toBe(507);
    expect(body).toMatchObject({ code: 'InsufficientStorage', message: /storage is full/ });
    const files = await readdir(mountDir);
    expect(files.filter((name) => !name.startsWith(id))).toEqual([]);

    // fill what is left, as another writer on the disk would: now no write fits
    spawnSync('dd', ['if=/dev/zero', `of=${join(mountDir, 'filler')}`, 'bs=4k'], {
      stdio: 'ignore',
    });
    const full = await ready();
    expect(full.status).toBe(503);
    expect(full.storage).toMatchObject({ status: 'error' });

    await rm(join(mountDir, 'filler'));
    const deleted = await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${id}`, {
      method: 'DELETE',
      headers: authHeaders(app),
    });
    expect(deleted.status).toBe(200);
    expect(await ready()).toMatchObject({ status: 200, storage: { status: 'ok' } });
    expect(await readdir(mountDir)).toEqual([]);
  });
});
