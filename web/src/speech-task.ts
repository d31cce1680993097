import { ApiFailure, base64ToBytes, type SpeechParameters } from './api-client.js';

/** Per-chunk metrics of `result-generated` (seconds). */
export interface ChunkMetrics {
  speech_len: number;
  first_package_time: number;
}

interface TaskEventMessage {
  header: { event: string; task_id: string; error_code?: string; error_message?: string };
  payload: { output?: { audio?: { data?: string } }; metrics?: ChunkMetrics };
}

/** A running duplex task: resolves when it finishes, rejects with an ApiFailure otherwise. */
export interface SpeechTask {
  done: Promise<void>;
  /** Closes the connection, which makes the server abort the task. */
  cancel(): void;
}

/**
 * One WebSocket duplex task: run-task, then the whole text in one continue-task, then
 * finish-task; every `result-generated` chunk goes to `onAudio` as it arrives.
 */
export function runSpeechTask(
  url: string,
  parameters: SpeechParameters,
  text: string,
  onAudio: (bytes: Uint8Array, metrics: ChunkMetrics | undefined) => void,
): SpeechTask {
  const taskId = crypto.randomUUID();
  const socket = new WebSocket(url);
  let settled = false;
  let cancel = (): void => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const settle = (error?: ApiFailure): void => {
      if (settled) return;
      settled = true;
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(1000);
      }
      if (error) reject(error);
      else resolve();
    };
    cancel = () => settle(new ApiFailure('Cancelled', 'stopped by the user', 0));
    const send = (action: string, payload: Record<string, unknown>): void => {
      socket.send(
        JSON.stringify({ header: { action, task_id: taskId, streaming: 'duplex' }, payload }),
      );
    };
    socket.onopen = () => {
      const { instruct, ...rest } = parameters;
      send('run-task', {
        task_group: 'audio',
        task: 'tts',
        function: 'SpeechSynthesizer',
        model: 'cosyvoice-v2',
        parameters: instruct ? { ...rest, instruct } : rest,
        input: {},
      });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const message = JSON.parse(event.data) as TaskEventMessage;
      switch (message.header.event) {
        case 'task-started':
          send('continue-task', { input: { text } });
          send('finish-task', { input: {} });
          return;
        case 'result-generated':
          onAudio(
            base64ToBytes(message.payload.output?.audio?.data ?? ''),
            message.payload.metrics,
          );
          return;
        case 'task-finished':
          settle();
          return;
        case 'task-failed':
          settle(
            new ApiFailure(
              message.header.error_code ?? 'InternalError',
              message.header.error_message ?? 'the task failed',
              0,
            ),
          );
          return;
      }
    };
    socket.onclose = (event: CloseEvent) => {
      settle(new ApiFailure('ConnectionClosed', `closed (${event.code}) ${event.reason}`, 0));
    };
  });
  return { done, cancel: () => cancel() };
}
