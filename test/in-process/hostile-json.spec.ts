import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskSocket, uploadVoice } from '../support/speech-clients.js';
import {
  startListeningInProcessApp,
  type ListeningInProcessApp,
} from '../support/listening-in-process-app.js';

const DEPTH = 10_000;
/** `{"a":{"a":…1…}}` nested DEPTH levels deep, as JSON text (JSON.stringify cannot build it). */
const DEEP_OBJECT = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const DEEP_ARRAY = `${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}`;
const TOO_DEEP = 'the JSON body nests deeper than 32 levels of objects and arrays';

describe('JSON nested 10,000 levels deep (HTTP bodies, WebSocket frames)', () => {
  let app: ListeningInProcessApp;
  let voice: string;

  /** A speech body whose `field` is replaced by `deep`, sent as raw JSON text. */
  function postRaw(body: string): Promise<Response> {
    return fetch(`${app.baseUrl}/api/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
      body,
    });
  }

  function speechBody(deep: string, where: 'input.text' | 'input.extra' | 'top'): string {
    const input = {
      mode: 'cross_lingual_replication',
      reference_audio_id: voice,
      text: where === 'input.text' ? 'DEEP' : '你好。',
      ...(where === 'input.extra' ? { extra: 'DEEP' } : {}),
    };
    const body = {
      model: 'CosyVoice2-0.5B',
      input,
      stream: false,
      ...(where === 'top' ? { seed: 'DEEP' } : {}),
    };
    return JSON.stringify(body).replace('"DEEP"', deep);
  }

  beforeAll(async () => {
    app = await startListeningInProcessApp();
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 400 InvalidParameter in the common shape, whichever field holds it', async () => {
    const bodies = [
      speechBody(DEEP_OBJECT, 'input.text'),
      speechBody(DEEP_ARRAY, 'input.extra'),
      speechBody(DEEP_OBJECT, 'top'),
      DEEP_ARRAY,
    ];
    for (const body of bodies) {
      const response = await postRaw(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        code: 'InvalidParameter',
        message: TOO_DEEP,
        request_id: response.headers.get('x-request-id'),
      });
    }
    const ok = await postRaw(speechBody('"你好。"', 'input.text'));
    expect(ok.status).toBe(200);
  });

  it('fails a WebSocket run-task whose parameters nest that deep and runs the next task on the same connection', async () => {
    const socket = await TaskSocket.open(app);
    try {
      const frame = JSON.stringify({
        header: { action: 'run-task', task_id: 'deep', streaming: 'duplex' },
        payload: {
          model: 'cosyvoice-v2',
          parameters: { mode: 'cross_lingual_replication', reference_audio_id: voice, x: 'DEEP' },
        },
      }).replace('"DEEP"', DEEP_OBJECT);
      expect(frame.length).toBeGreaterThan(50_000);
      socket.socket.send(frame);
      const failed = await socket.next((event) => event.header.task_id === 'deep');
      expect(failed.header).toMatchObject({
        event: 'task-failed',
        error_code: 'ProtocolError',
        error_message: 'the message nests deeper than 32 levels of objects and arrays',
      });
      const events = await socket.runWholeTask(
        'normal',
        { mode: 'cross_lingual_replication', reference_audio_id: voice },
        ['你好。'],
      );
      expect(events.map((event) => event.header.event)).toContain('result-generated');
      expect(events.at(-1)!.header.event).toBe('task-finished');
      expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
    } finally {
      socket.close();
    }
  });
});
