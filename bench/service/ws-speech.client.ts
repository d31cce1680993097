import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { WS_PATH, type TaskEvent } from '../../test/support/speech-clients.js';
import type { ServiceTarget } from './service-target.js';
import {
  receivedAudioSeconds,
  type SpeechClient,
  type SpeechSample,
  type SpeechSettings,
} from './speech-sample.js';
import type { BenchText } from './text-set.js';

interface RunningTask {
  taskId: string;
  started: number;
  firstAudioMs: number;
  chunks: Buffer[];
  text: BenchText;
  settle(sample: SpeechSample): void;
}

/**
 * One WebSocket connection running duplex tasks one after another, like a client that keeps its
 * connection: `run-task`, then on `task-started` every sentence as its own `continue-task` and
 * `finish-task`, until `task-finished`.
 */
export class WsSpeechClient implements SpeechClient {
  private task: RunningTask | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly settings: SpeechSettings,
  ) {
    socket.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as TaskEvent));
    socket.on('close', (code, reason) =>
      this.finish({ error: `connection closed (${code} ${reason.toString()})` }),
    );
  }

  static async open(target: ServiceTarget, settings: SpeechSettings): Promise<WsSpeechClient> {
    const socket = new WebSocket(`${target.wsUrl}${WS_PATH}`, {
      headers: { Authorization: `Bearer ${target.token}` },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new WsSpeechClient(socket, settings);
  }

  synthesize(text: BenchText): Promise<SpeechSample> {
    if (this.socket.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ ok: false, textId: text.id, totalMs: 0, error: 'connection lost' });
    }
    return new Promise((resolve) => {
      const taskId = randomUUID();
      const timer = setTimeout(
        () => this.finish({ error: `no task-finished within ${this.settings.timeoutMs} ms` }),
        this.settings.timeoutMs,
      );
      this.task = {
        taskId,
        started: performance.now(),
        firstAudioMs: Number.NaN,
        chunks: [],
        text,
        settle: (sample) => {
          clearTimeout(timer);
          resolve(sample);
        },
      };
      this.send('run-task', taskId, {
        task_group: 'audio',
        task: 'tts',
        function: 'SpeechSynthesizer',
        model: 'cosyvoice-v2',
        parameters: {
          mode: 'fast_replication',
          reference_audio_id: this.settings.voiceId,
          output_format: this.settings.outputFormat,
          sample_rate: this.settings.sampleRate,
          seed: this.settings.seed,
        },
        input: {},
      });
    });
  }

  close(): void {
    this.socket.close();
  }

  private send(action: string, taskId: string, payload: Record<string, unknown>): void {
    this.socket.send(
      JSON.stringify({ header: { action, task_id: taskId, streaming: 'duplex' }, payload }),
    );
  }

  private onMessage(event: TaskEvent): void {
    const task = this.task;
    if (!task || event.header.task_id !== task.taskId) return;
    switch (event.header.event) {
      case 'task-started':
        for (const piece of task.text.pieces) {
          this.send('continue-task', task.taskId, { input: { text: piece } });
        }
        this.send('finish-task', task.taskId, { input: {} });
        break;
      case 'result-generated': {
        const chunk = Buffer.from(event.payload.output?.audio?.data ?? '', 'base64');
        if (chunk.length > 0 && Number.isNaN(task.firstAudioMs)) {
          task.firstAudioMs = performance.now() - task.started;
        }
        task.chunks.push(chunk);
        break;
      }
      case 'task-finished':
        this.finish({ audio: Buffer.concat(task.chunks) });
        break;
      case 'task-failed':
        this.finish({ error: `${event.header.error_code}: ${event.header.error_message}` });
        break;
    }
  }

  /** Ends the running task with its audio or an error (once; later calls do nothing). */
  private finish(outcome: { audio: Buffer } | { error: string }): void {
    const task = this.task;
    if (!task) return;
    this.task = undefined;
    const totalMs = performance.now() - task.started;
    const failed = (error: string): void =>
      task.settle({ ok: false, textId: task.text.id, totalMs, error });
    if ('error' in outcome) {
      failed(outcome.error);
      return;
    }
    receivedAudioSeconds(outcome.audio, this.settings.outputFormat, this.settings.sampleRate).then(
      (audioSeconds) =>
        audioSeconds === 0
          ? failed('no audio received')
          : task.settle({
              ok: true,
              textId: task.text.id,
              firstAudioMs: task.firstAudioMs,
              totalMs,
              audioSeconds,
            }),
      (error: unknown) => failed(error instanceof Error ? error.message : String(error)),
    );
  }
}
