import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/load-config.js';
import { REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { makeSpeechWav } from '../support/reference-audio-fixtures.js';
import { runMain } from '../support/run-main.js';

describe('the service refuses to boot on bad settings', () => {
  it('a bad value stops the boot with a message naming the variable', async () => {
    const result = await runMain({ PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid configuration:\s+PORT="eighty"/);
  });

  it('a non-loopback HOST without API_TOKENS stops the boot', async () => {
    const result = await runMain({ HOST: '0.0.0.0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/API_TOKENS is required when HOST=0\.0\.0\.0/);
  });
});

describe('the embedded defaults: SQLite file and local storage under ./data', () => {
  let workDir: string;
  let previousCwd: string;
  let app: NestFastifyApplication;
  let baseUrl: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cosyvoice-defaults-'));
    previousCwd = process.cwd();
    process.chdir(workDir);
    // Only what a test must change: a free port, no logs, no model pack.
    app = await createApp(
      loadConfig({ PORT: '0', LOG_LEVEL: 'silent', MODEL_DIR: join(workDir, 'no-model') }),
    );
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    process.chdir(previousCwd);
    await rm(workDir, { recursive: true, force: true });
  });

  it('creates ./data/cosyvoice.db and stores uploads in ./data/audio', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(makeSpeechWav(1))]), 'defaults.wav');
    form.append('text', 'embedded defaults');
    const response = await fetch(`${baseUrl}${REFERENCE_AUDIO_PATH}`, {
      method: 'POST',
      body: form,
    });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    expect((await stat(join(workDir, 'data', 'cosyvoice.db'))).isFile()).toBe(true);
    expect(await readdir(join(workDir, 'data', 'audio'))).toEqual([`${id}.wav`]);
  });
});
