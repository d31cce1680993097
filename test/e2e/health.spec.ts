import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { startTestApp, TestApp } from '../support/test-app.js';

describe('health, readiness and metrics (no model pack)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('GET /health answers {"status":"ok"} without auth', async () => {
    const response = await fetch(`${app.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 503 with the reason while the model is not loaded', async () => {
    const response = await fetch(`${app.baseUrl}/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(body.status).toBe('unavailable');
    expect(body.checks.database).toEqual({ status: 'ok' });
    expect(body.checks.storage).toEqual({ status: 'ok' });
    expect(body.checks.model.status).toBe('error');
    expect(body.checks.model.error).toEqual(expect.any(String));
    expect(body.checks.model.error?.length).toBeGreaterThan(0);
    expect(body.checks.model.error).not.toContain(app.tempDir);
    expect(body.checks.model).toHaveProperty('test_pack', false);
  });

  it('GET /metrics serves default metrics and counts requests by route pattern', async () => {
    const id = '50a5fdb9-c3ad-445a-adbb-3be327500000';
    for (let i = 0; i < 3; i++) {
      await fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}/${id}`, { headers: authHeaders(app) });
    }
    const response = await fetch(`${app.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/audio/reference_audio/:id",status="404"} 3',
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/audio\/reference_audio\/:id",status="404"\} 3$/m,
    );
    expect(text).not.toContain(id);
  });

  it('GET /metrics reports the model as not loaded, without an execution provider', async () => {
    const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(text).toMatch(/^model_loaded 0$/m);
    expect(text).toMatch(/^# TYPE model_info gauge$/m);
    expect(text).not.toMatch(/^model_info\{/m);
    expect(text).toMatch(/^websocket_connections 0$/m);
    expect(text).toMatch(/^synthesis_queued 0$/m);
  });
});

describe('readiness when the storage is unusable', () => {
  let blockedDir: string;
  let app: TestApp;

  beforeAll(async () => {
    // A file where the storage directory's parent should be: the directory cannot be created.
    blockedDir = await mkdtemp(join(tmpdir(), 'cosyvoice-blocked-'));
    await writeFile(join(blockedDir, 'blocked'), 'not a directory');
    app = await startTestApp({ STORAGE_DIR: join(blockedDir, 'blocked', 'audio') });
  });

  afterAll(async () => {
    await app?.close();
    await rm(blockedDir, { recursive: true, force: true });
  });

  it('reports the storage check as failed with 503', async () => {
    const response = await fetch(`${app.baseUrl}/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(body.checks.database).toEqual({ status: 'ok' });
    expect(body.checks.storage.status).toBe('error');
    expect(body.checks.storage.error).toMatch(/ENOTDIR|EEXIST/);
    expect(body.checks.storage.error).not.toContain(blockedDir);
  });
});
