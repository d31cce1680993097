import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepareBuiltService, type BuiltService } from '../support/built-service.js';
import type { ServiceProcess } from '../support/service-process.js';
import {
  TaskSocket,
  taskAudioChunks,
  uploadVoice,
  type TaskEvent,
} from '../support/speech-clients.js';
import { until } from '../support/until.js';

const TOKEN = 'crash-triggers-token-0123456789abcdef';
const MAX_TEXT_LENGTH = 40;

/** The task's end events: task-finished and task-failed. */
function ends(events: TaskEvent[], taskId: string): TaskEvent[] {
  return events.filter(
    (event) =>
      event.header.task_id === taskId &&
      (event.header.event === 'task-finished' || event.header.event === 'task-failed'),
  );
}

/**
 * Issue 20, defect 1: frame sequences that failed a task before SynthesisService.open() had
 * resolved left a rejected promise unhandled, and Node ended the whole process. Here the built
 * service runs as its own process (`node dist/main.js`, tiny pack, MariaDB), each trigger on its
 * own connection; the process must answer each with exactly one end event, stay up, serve a new
 * task and never log an unhandled rejection.
 */
describe('WebSocket frame sequences that used to end the process (built service, own process)', () => {
  let built: BuiltService | undefined;
  let service: ServiceProcess;
  let client: { baseUrl: string; wsUrl: string; token: string };
  let voice: string;
  const sockets: TaskSocket[] = [];
  let outputBefore = 0;

  const parameters = () => ({
    mode: 'cross_lingual_replication',
    reference_audio_id: voice,
    output_format: 'wav',
  });

  async function open(): Promise<TaskSocket> {
    const socket = await TaskSocket.open(client);
    sockets.push(socket);
    return socket;
  }

  /** The value of one series of GET /metrics. */
  async function metric(series: string): Promise<number> {
    const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
    return Number(line?.slice(series.length + 1));
  }

  /** What the process wrote since this test began holds no unhandled-rejection line. */
  function expectNoUnhandledRejection(): void {
    expect(service.output().slice(outputBefore)).not.toMatch(/unhandled promise rejection/i);
  }

  /**
   * Waits for the task's end, then runs a whole new task on the same connection: once that one
   * has finished (events are in order), no second end of the first can still be on its way.
   */
  async function expectOneEnd(socket: TaskSocket, taskId: string, code: string): Promise<void> {
    await socket.taskEnd(taskId);
    const after = await socket.runWholeTask(`${taskId}-after`, parameters(), ['你好。']);
    expect(after.at(-1)!.header.event).toBe('task-finished');
    const found = ends(socket.events, taskId);
    expect(found, JSON.stringify(found)).toHaveLength(1);
    expect(found[0].header).toMatchObject({ event: 'task-failed', error_code: code });
    expectNoUnhandledRejection();
  }

  beforeAll(async () => {
    built = await prepareBuiltService('ws-crash-e2e', {
      API_TOKENS: TOKEN,
      MAX_TEXT_LENGTH: String(MAX_TEXT_LENGTH),
    });
    service = await built.start();
    client = {
      baseUrl: service.baseUrl,
      wsUrl: service.baseUrl.replace('http', 'ws'),
      token: TOKEN,
    };
    voice = await uploadVoice(client, 210, '希望你以后能够做得比我还好哟');
  }, 240_000);

  beforeEach(() => {
    outputBefore = service.output().length;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.socket.terminate();
    await service?.stop();
    await built?.dispose();
  });

  it('run-task immediately followed by finish-task: one task-failed InvalidParameter', async () => {
    const socket = await open();
    socket.runTask('finish-at-once', parameters());
    socket.finishTask('finish-at-once');
    await expectOneEnd(socket, 'finish-at-once', 'InvalidParameter');
  });

  it('a second run-task with the same id: one task-failed ProtocolError', async () => {
    const socket = await open();
    socket.runTask('same-id', parameters());
    socket.runTask('same-id', parameters());
    await expectOneEnd(socket, 'same-id', 'ProtocolError');
  });

  it('an over-limit continue-task right after run-task: one task-failed InvalidParameter', async () => {
    const socket = await open();
    socket.runTask('over-limit', parameters());
    socket.continueTask('over-limit', '长'.repeat(MAX_TEXT_LENGTH + 1));
    await expectOneEnd(socket, 'over-limit', 'InvalidParameter');
  });

  it('a continue-task after finish-task: one task-failed ProtocolError', async () => {
    const socket = await open();
    socket.runTask('late-text', parameters());
    socket.continueTask('late-text', '你好。');
    socket.finishTask('late-text');
    socket.continueTask('late-text', '再见。');
    await expectOneEnd(socket, 'late-text', 'ProtocolError');
  });

  it('connections dropped mid-task, before and after their text: every slot comes back', async () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const texts of [[], ['你好。'], ['你好。', 'finish']]) {
      const socket = await open();
      socket.runTask('dropped', parameters());
      for (const text of texts) {
        if (text === 'finish') socket.finishTask('dropped');
        else socket.continueTask('dropped', text);
      }
      socket.socket.terminate();
    }
    await until(
      async () => (await metric('websocket_connections')) === 0,
      'the dropped connections closed',
    );
    await until(
      async () =>
        (await metric('synthesis_active')) === 0 && (await metric('synthesis_queued')) === 0,
      'every slot free',
    );
    // A whole task afterwards: the dropped tasks' last steps have run by the time it ends.
    const barrier = await open();
    const events = await barrier.runWholeTask('barrier', parameters(), ['你好。']);
    expect(events.at(-1)!.header.event).toBe('task-finished');
    expectNoUnhandledRejection();
  });

  it('afterwards the process is still up: /health 200, a new task finishes with audio, no unhandled rejection', async () => {
    expect((await fetch(`${service.baseUrl}/health`)).status).toBe(200);
    const socket = await open();
    const events = await socket.runWholeTask('after-all', parameters(), ['收到好友的礼物。']);
    expect(events.at(-1)!.header.event).toBe('task-finished');
    expect(Buffer.concat(taskAudioChunks(events)).length).toBeGreaterThan(1000);
    expect(service.output()).not.toMatch(/unhandled promise rejection/i);
    expect(service.output()).not.toMatch(/unexpected failure in a WebSocket task/);
  });
});
