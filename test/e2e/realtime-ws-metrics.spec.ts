import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskSocket, type TaskEvent, uploadVoice } from '../support/speech-clients.js';
import { prepareSlowPack } from '../support/slow-pack.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TEXT = '收到好友从远方寄来的生日礼物,那份意外的惊喜与深深的祝福让我心中充满了甜蜜的快乐。';

interface TimedTask {
  events: TaskEvent[];
  /** Client-side seconds from sending run-task to receiving task-finished. */
  wallSeconds: number;
}

function metricSum(events: TaskEvent[], metric: 'generate_time' | 'server_cost_time'): number {
  return events
    .filter((event) => event.header.event === 'result-generated')
    .reduce((sum, event) => sum + event.payload.metrics![metric], 0);
}

describe('result-generated metrics of two concurrent tasks on one inference worker (slow HiFT)', () => {
  let app: TestApp;
  let voice: string;

  beforeAll(async () => {
    app = await startTestApp({
      MODEL_DIR: await prepareSlowPack(),
      INFERENCE_WORKERS: '1',
      MAX_CONCURRENT_SYNTHESES: '2',
    });
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
  });

  afterAll(async () => {
    await app?.close();
  });

  async function timedTask(socket: TaskSocket, taskId: string): Promise<TimedTask> {
    const started = performance.now();
    const events = await socket.runWholeTask(
      taskId,
      { mode: 'cross_lingual_replication', reference_audio_id: voice, output_format: 'pcm' },
      [TEXT],
    );
    return { events, wallSeconds: (performance.now() - started) / 1000 };
  }

  it('each task: generate_time and server_cost_time add up to no more than its wall time', async () => {
    const sockets = await Promise.all([TaskSocket.open(app), TaskSocket.open(app)]);
    try {
      const tasks = await Promise.all(sockets.map((socket, i) => timedTask(socket, `task-${i}`)));
      for (const { events, wallSeconds } of tasks) {
        expect(events.at(-1)!.header.event).toBe('task-finished');
        const chunks = events.filter((event) => event.header.event === 'result-generated');
        expect(chunks.length).toBeGreaterThan(1);
        for (const { payload } of chunks) {
          expect(payload.metrics!.generate_time).toBeGreaterThan(0);
          expect(payload.metrics!.generate_time).toBeLessThanOrEqual(
            payload.metrics!.server_cost_time,
          );
        }
        expect(metricSum(events, 'generate_time')).toBeLessThanOrEqual(wallSeconds);
        expect(metricSum(events, 'server_cost_time')).toBeLessThanOrEqual(wallSeconds);
      }
    } finally {
      for (const socket of sockets) socket.close();
    }
  }, 180_000);
});
