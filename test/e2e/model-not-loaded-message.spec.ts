import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSpeech, TaskSocket } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The service's log output as it wrote it. */
class CapturedLog {
  text = '';

  write(chunk: string): void {
    this.text += chunk;
  }
}

const HINT =
  'the CosyVoice2 model is not loaded: Model directory no-model does not exist (MODEL_DIR) — run: npm run models:download';

describe('ModelNotLoaded names the file and the command, never the server path', () => {
  const log = new CapturedLog();
  let app: TestApp;
  let modelDir: string;

  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: log });
    modelDir = join(app.tempDir, 'no-model');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('REST: 503 with the directory name and the command; the log has the whole path', async () => {
    const response = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', reference_audio_id: 'x', text: '你好' },
      stream: false,
    });
    const body = (await response.json()) as { code: string; message: string };
    expect(response.status).toBe(503);
    expect(body).toMatchObject({ code: 'ModelNotLoaded', message: HINT });
    expect(body.message).not.toContain(app.tempDir);
    expect(log.text).toContain(`Model directory ${modelDir} does not exist (MODEL_DIR)`);
  });

  it('WebSocket task: task-failed with the same message', async () => {
    const socket = await TaskSocket.open(app);
    try {
      socket.runTask('t', { mode: 'fast_replication', reference_audio_id: 'x' });
      const event = await socket.next((e) => e.header.task_id === 't');
      expect(event.header).toMatchObject({ event: 'task-failed', error_code: 'ModelNotLoaded' });
      expect(event.header.error_message).toBe(HINT);
    } finally {
      socket.close();
    }
  });
});
