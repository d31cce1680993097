/**
 * The WebSocket duplex task protocol of /api-ws/v1/audio/speech, as the source document's
 * `TTSClient` speaks it. Client → server: JSON text frames
 * `{"header":{"action","task_id","streaming":"duplex"},"payload":{...}}`.
 * Server → client: JSON text frames `{"header":{"event","task_id",...},"payload":{...}}`.
 */

export type TaskAction = 'run-task' | 'continue-task' | 'finish-task';
export const TASK_ACTIONS: readonly TaskAction[] = ['run-task', 'continue-task', 'finish-task'];

export type TaskEvent = 'task-started' | 'result-generated' | 'task-finished' | 'task-failed';

export interface TaskEventHeader {
  event: TaskEvent;
  task_id: string;
  attributes: Record<string, never>;
  error_code?: string;
  error_message?: string;
}

export interface TaskEventMessage {
  header: TaskEventHeader;
  payload: Record<string, unknown>;
}

/** Per-chunk metrics of `result-generated` (seconds). */
export interface ResultMetrics {
  /** Seconds of speech in this chunk (> 0). */
  speech_len: number;
  /**
   * Wall-clock seconds from the previous chunk (or, for the first, from the task's first text)
   * to this one: everything the server did for it, waiting for text included.
   */
  server_cost_time: number;
  /**
   * Wall-clock seconds the engine took to generate this chunk's audio (from asking for it to
   * receiving it; encoding and sending excluded). Part of `server_cost_time`, so the chunks of a
   * task add up to at most its wall time.
   */
  generate_time: number;
  /** Seconds from the first text of the task to its first audio. */
  first_package_time: number;
}

function header(event: TaskEvent, taskId: string): TaskEventHeader {
  return { event, task_id: taskId, attributes: {} };
}

export function taskStarted(taskId: string): TaskEventMessage {
  return { header: header('task-started', taskId), payload: {} };
}

export function resultGenerated(
  taskId: string,
  audio: Buffer,
  metrics: ResultMetrics,
): TaskEventMessage {
  return {
    header: header('result-generated', taskId),
    payload: { output: { audio: { data: audio.toString('base64') } }, metrics },
  };
}

export function taskFinished(taskId: string, characters: number): TaskEventMessage {
  return {
    header: header('task-finished', taskId),
    payload: { output: {}, usage: { characters } },
  };
}

export function taskFailed(taskId: string, code: string, message: string): TaskEventMessage {
  return {
    header: { ...header('task-failed', taskId), error_code: code, error_message: message },
    payload: {},
  };
}
