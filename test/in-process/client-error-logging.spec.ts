import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, REFERENCE_AUDIO_PATH } from '../support/http-client.js';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';
import { until } from '../support/until.js';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** Client mistakes are warnings, one line each, never an error with a stack trace. */
describe('client mistakes (4xx) are logged at warn without stacks (bad WebSocket frames: realtime-ws-output-bounds.spec.ts)', () => {
  const raw: string[] = [];
  /** Lines written at boot (the missing model pack is an error there): not looked at. */
  let bootLines = 0;
  const lines = (): LogLine[] => raw.slice(bootLines).map((line) => JSON.parse(line) as LogLine);
  let app: InProcessApp;

  beforeAll(async () => {
    app = await startInProcessApp(
      { LOG_LEVEL: 'info', WS_MAX_FRAME_BYTES: '1024' },
      {
        logDestination: {
          write: (chunk: string) => raw.push(...chunk.split('\n').filter((line) => line !== '')),
        },
      },
    );
    bootLines = raw.length;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('logs a 401 and a 400 as one warn line each with status and code (never the message, which may echo input)', async () => {
    expect((await app.fetch(REFERENCE_AUDIO_PATH)).status).toBe(401);
    const invalid = await app.fetch('/api/v1/audio/speech', {
      method: 'POST',
      headers: { ...authHeaders(app), 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(invalid.status).toBe(400);
    await until(() => lines().some((line) => line.status === 400), 'the 400 line');
    const clientErrors = lines().filter((line) => line.msg === 'client error');
    expect(clientErrors).toEqual([
      expect.objectContaining({ level: 'warn', status: 401, code: 'Unauthorized' }),
      expect.objectContaining({ level: 'warn', status: 400, code: 'InvalidParameter' }),
    ]);
  });

  it('wrote no error line and no stack trace for any of them', () => {
    expect(lines().filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
    expect(raw.slice(bootLines).join('\n')).not.toMatch(/\\n\s+at /);
  });
});
