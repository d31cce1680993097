import { Logger } from '@nestjs/common';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

describe('a test pack says so: boot log, engine status and /ready', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
  });

  afterAll(async () => {
    await app?.close();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('GET /ready: checks.model.test_pack is true for the tiny pack', async () => {
    const response = await fetch(`${app.baseUrl}/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { checks: Record<string, unknown> };
    expect(body.checks.model).toEqual({
      status: 'ok',
      device: 'cpu',
      test_pack: true,
      workers: '1/1 loaded',
    });
  });

  it('the boot warns that the audio of a test pack is not speech', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dir = await prepareTinyPack();
    const engine = new CosyVoice2Engine({ modelDir: dir, device: 'cpu', threads: 1 });
    await engine.load();
    expect(engine.status()).toEqual({ loaded: true, device: 'cpu', testPack: true });
    expect(warn).toHaveBeenCalledWith(
      `${dir} is a test pack (cosyvoice2-pack.json "testPack": true): synthesis works, but its ` +
        'audio is not speech. For real speech: npm run models:download, then npm run models:check',
    );
    await engine.onApplicationShutdown();
  });

  it('a pack whose manifest does not mark it is not a test pack, and no warning is logged', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dir = await prepareTinyPack();
    const manifestPath = join(dir, 'cosyvoice2-pack.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    delete manifest.testPack;
    await writeFile(manifestPath, JSON.stringify(manifest));
    const engine = new CosyVoice2Engine({ modelDir: dir, device: 'cpu', threads: 1 });
    await engine.load();
    expect(engine.status()).toEqual({ loaded: true, device: 'cpu', testPack: false });
    expect(warn.mock.calls.flat().join('\n')).not.toMatch(/test pack/);
    await engine.onApplicationShutdown();
  });
});
