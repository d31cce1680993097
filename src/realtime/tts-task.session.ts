import { Logger } from '@nestjs/common';
import { INTERNAL_ERROR_MESSAGE, isUnexpected, toApiError } from '../common/to-api-error.js';
import { runWithLogBindings } from '../logging/log-context.js';
import type { SynthesisRequest } from '../synthesis/synthesis-request.js';
import type { SynthesisHandle } from '../synthesis/synthesis.handle.js';
import { characterCount, unsplitTextProblem } from '../synthesis/synthesis-text.limits.js';
import {
  hasSpeakableText,
  NOTHING_TO_SPEAK_MESSAGE,
  textPieceProblem,
  type TextRefusal,
  withoutInvisible,
} from '../synthesis/speech-text.js';
import { toRunTaskRequest } from './run-task-request.mapper.js';
import { TextPieceQueue } from '../inference/text-piece.queue.js';
import {
  TASK_ACTIONS,
  TaskEventMessage,
  resultGenerated,
  taskFailed,
  taskFinished,
  taskStarted,
} from './tts-task.protocol.js';
import { isRecord } from '../common/is-record.js';
import { exceedsJsonDepth, jsonTooDeepMessage } from '../common/json-depth.js';
import type { FrameRefusal } from './realtime.metrics.js';

/** What a session needs from SynthesisService. */
export interface TaskSynthesizer {
  /** Longest text, in characters, of one task (all its `continue-task` pieces together). */
  readonly textLimit: number;
  open(request: SynthesisRequest, signal: AbortSignal): Promise<SynthesisHandle>;
  /** Counts a text refused by the rules of speech-text.ts. */
  textRefused(reason: TextRefusal): void;
}

/** `error_code` of task-failed for frames that break the protocol (state, JSON, action). */
export const PROTOCOL_ERROR = 'ProtocolError';
/** `error_code` of task-failed for bad or missing parameters and text over the limit. */
export const INVALID_PARAMETER = 'InvalidParameter';
/** `error_code` of task-failed for a frame the server failed to handle (a defect, logged). */
export const INTERNAL_ERROR = 'InternalError';

/**
 * Longest `header.task_id`, in characters (code points). A longer one is refused with
 * task-failed ProtocolError and `task_id` "" (it is never echoed), so no answer carries more of a
 * client's id than this.
 */
export const MAX_TASK_ID_LENGTH = 128;

/** How much of an unknown `header.action` a refusal quotes. */
const QUOTED_ACTION_LENGTH = 32;

/** Why a task was stopped by the session itself; reported as task-failed. */
class TaskFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Frame {
  action: string;
  taskId: string;
  payload: Record<string, unknown>;
}

interface Task {
  id: string;
  text: TextPieceQueue;
  abort: AbortController;
  characters: number;
  /**
   * Characters received in pieces that hold something to speak: a task without any is refused
   * at finish-task.
   */
  spokenCharacters: number;
  /** Whether any continue-task brought text (maybe only invisible characters or punctuation). */
  textReceived: boolean;
  done: Promise<void>;
}

/**
 * The duplex task state machine of one WebSocket connection, without the socket:
 * idle --run-task--> running --continue-task*--> running --finish-task--> finishing --> idle.
 *
 * A failure report (`task-failed`) names the task it is about. A frame that names the running
 * task and is wrong (text over the limit, same id sent with a second run-task, ...) fails that
 * task; a frame that names another task id, or none, is refused without touching the running
 * task. After `task-finished` or `task-failed` the connection takes a new `run-task`.
 */
export class TtsTaskSession {
  private readonly logger = new Logger(TtsTaskSession.name);
  private task: Task | undefined;
  private closed = false;
  private markClosed: () => void = () => undefined;
  /** Resolves on close(): a send still waiting for a client that is gone stops holding a task. */
  private readonly whenClosed = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(
    private readonly synthesizer: TaskSynthesizer,
    /** Sends one message; a returned promise resolves once the client can take more. */
    private readonly send: (message: TaskEventMessage) => Promise<void> | void,
    /** Told of each refused frame (answered with task-failed without touching a task). */
    private readonly onRefused: (reason: FrameRefusal) => void = () => undefined,
  ) {}

  /** True while the session waits for the client (no task, or a task still taking text). */
  get awaitingClient(): boolean {
    return this.task === undefined || !this.task.text.isEnded;
  }

  /** Resolves when the current task (if any) has ended and sent its last event. */
  async settled(): Promise<void> {
    await this.task?.done;
  }

  /**
   * Handles one client frame. Nothing it throws leaves it: an unexpected failure is logged and
   * answered with task-failed InternalError, and the connection takes the next frame.
   */
  handleFrame(data: string | Buffer, isBinary: boolean): void {
    if (this.closed) {
      return;
    }
    try {
      this.dispatch(data, isBinary);
    } catch (error) {
      this.logUnexpected(error, '');
      this.refuse('', INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE);
    }
  }

  private dispatch(data: string | Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.refuse('', PROTOCOL_ERROR, 'binary frames are not accepted; send JSON text frames');
      return;
    }
    const frame = this.parse(data.toString());
    if (!frame) {
      return;
    }
    switch (frame.action) {
      case 'run-task':
        this.runTask(frame);
        return;
      case 'continue-task':
        this.continueTask(frame);
        return;
      case 'finish-task':
        this.finishTask(frame);
        return;
      default:
        this.failFrame(
          frame.taskId,
          PROTOCOL_ERROR,
          `unknown action ${quoted(frame.action)}; expected one of ${TASK_ACTIONS.join(', ')}`,
        );
    }
  }

  /** The client went away: stop the running task without reporting anything. */
  close(): void {
    this.closed = true;
    this.markClosed();
    if (this.task) {
      this.abortTask(this.task, new TaskFailure('ClientDisconnected', 'the client disconnected'));
    }
  }

  private parse(text: string): Frame | undefined {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      this.refuse('', PROTOCOL_ERROR, `invalid JSON: ${(error as Error).message}`);
      return undefined;
    }
    if (!isRecord(message) || !isRecord(message.header)) {
      this.refuse('', PROTOCOL_ERROR, 'a message must be a JSON object with a "header" object');
      return undefined;
    }
    const { action, task_id: taskId } = message.header;
    if (typeof taskId !== 'string' || taskId === '') {
      this.refuse('', PROTOCOL_ERROR, 'header.task_id must be a non-empty string');
      return undefined;
    }
    const taskIdLength = characterCount(taskId);
    if (taskIdLength > MAX_TASK_ID_LENGTH) {
      this.refuse(
        '',
        PROTOCOL_ERROR,
        `header.task_id has ${taskIdLength} characters; the limit is ${MAX_TASK_ID_LENGTH}`,
        'task_id_too_long',
      );
      return undefined;
    }
    if (typeof action !== 'string') {
      this.failFrame(taskId, PROTOCOL_ERROR, 'header.action must be a string');
      return undefined;
    }
    if (exceedsJsonDepth(message)) {
      this.failFrame(taskId, PROTOCOL_ERROR, jsonTooDeepMessage('the message'));
      return undefined;
    }
    const payload = message.payload === undefined ? {} : message.payload;
    if (!isRecord(payload)) {
      this.failFrame(taskId, PROTOCOL_ERROR, 'payload must be a JSON object');
      return undefined;
    }
    return { action, taskId, payload };
  }

  private runTask(frame: Frame): void {
    if (this.task) {
      this.failFrame(
        frame.taskId,
        PROTOCOL_ERROR,
        `run-task while task ${this.task.id} is running; send finish-task and wait for ` +
          'task-finished (or task-failed) before starting another task',
      );
      return;
    }
    const request = toRunTaskRequest(frame.payload);
    if (typeof request === 'string') {
      this.refuse(frame.taskId, INVALID_PARAMETER, request);
      return;
    }
    const text = new TextPieceQueue();
    const task: Task = {
      id: frame.taskId,
      text,
      abort: new AbortController(),
      characters: 0,
      spokenCharacters: 0,
      textReceived: false,
      done: Promise.resolve(),
    };
    this.task = task;
    task.done = runWithLogBindings({ taskId: task.id }, () =>
      this.execute(task, { ...request, text }),
    );
  }

  private continueTask(frame: Frame): void {
    const task = this.taskNamed(frame, 'continue-task');
    if (!task) {
      return;
    }
    if (task.text.isEnded) {
      this.failFrame(frame.taskId, PROTOCOL_ERROR, 'continue-task after finish-task');
      return;
    }
    const input = frame.payload.input;
    const text = isRecord(input) ? input.text : undefined;
    if (typeof text !== 'string') {
      this.failFrame(frame.taskId, INVALID_PARAMETER, 'payload.input.text must be a string');
      return;
    }
    const visible = withoutInvisible(text);
    const unsplit = unsplitTextProblem(visible, 'text');
    if (unsplit) {
      this.failFrame(frame.taskId, INVALID_PARAMETER, unsplit);
      return;
    }
    const problem = textPieceProblem(visible);
    if (problem) {
      this.synthesizer.textRefused(problem.reason);
      this.failFrame(frame.taskId, INVALID_PARAMETER, problem.message);
      return;
    }
    const length = characterCount(visible);
    if (task.characters + length > this.synthesizer.textLimit) {
      this.failFrame(
        frame.taskId,
        INVALID_PARAMETER,
        `the task's text would have ${task.characters + length} characters with this ` +
          `payload.input.text; the limit is ${this.synthesizer.textLimit} per task`,
      );
      return;
    }
    task.characters += length;
    task.spokenCharacters += hasSpeakableText(visible) ? visible.trim().length : 0;
    task.textReceived ||= text !== '';
    task.text.push(visible);
  }

  private finishTask(frame: Frame): void {
    const task = this.taskNamed(frame, 'finish-task');
    if (!task || task.text.isEnded) {
      return;
    }
    if (task.textReceived && task.spokenCharacters === 0) {
      this.synthesizer.textRefused('no_speakable_text');
      this.failFrame(frame.taskId, INVALID_PARAMETER, NOTHING_TO_SPEAK_MESSAGE);
      return;
    }
    if (task.spokenCharacters === 0) {
      this.failFrame(
        frame.taskId,
        INVALID_PARAMETER,
        'no text to synthesize: send continue-task with payload.input.text before finish-task',
      );
      return;
    }
    task.text.end();
  }

  /** The running task if the frame names it; otherwise reports why not and returns undefined. */
  private taskNamed(frame: Frame, action: string): Task | undefined {
    if (!this.task) {
      this.refuse(frame.taskId, PROTOCOL_ERROR, `${action} before run-task: no task is running`);
      return undefined;
    }
    if (frame.taskId !== this.task.id) {
      this.refuse(
        frame.taskId,
        PROTOCOL_ERROR,
        `${action} names task_id ${frame.taskId}, but the running task is ${this.task.id}`,
      );
      return undefined;
    }
    return this.task;
  }

  /**
   * Runs a task to its one last event. It never rejects: whatever escapes the synthesis (a
   * defect) is logged with the task's id and ends that task with task-failed InternalError,
   * never the process.
   */
  private async execute(task: Task, request: SynthesisRequest): Promise<void> {
    let last: TaskEventMessage;
    try {
      last = await this.synthesize(task, request);
    } catch (error) {
      this.logUnexpected(error, task.id);
      last = taskFailed(task.id, INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE);
    }
    this.finishWith(task, last);
  }

  /** Runs the task's synthesis; its last event once the synthesis is closed (its slot free). */
  private async synthesize(task: Task, request: SynthesisRequest): Promise<TaskEventMessage> {
    let synthesis: SynthesisHandle | undefined;
    try {
      synthesis = await this.synthesizer.open(request, task.abort.signal);
      void this.emit(taskStarted(task.id));
      for await (const chunk of synthesis.chunks) {
        const { metrics } = chunk;
        // Waiting for each chunk to be written holds the engine back for slow readers.
        await this.emit(
          resultGenerated(task.id, chunk.audio, {
            speech_len: metrics.speechSeconds,
            server_cost_time: metrics.serverCostSeconds,
            generate_time: metrics.generateSeconds,
            first_package_time: metrics.firstPackageSeconds,
          }),
        );
      }
      task.abort.signal.throwIfAborted();
      this.logger.log({ msg: 'task finished', characters: task.characters });
      return taskFinished(task.id, task.characters);
    } catch (error) {
      const reason: unknown = task.abort.signal.aborted ? task.abort.signal.reason : error;
      if (isUnexpected(reason) && !(reason instanceof TaskFailure)) {
        this.logger.error(reason instanceof Error ? (reason.stack ?? reason.message) : reason);
      }
      const { code, message } = reason instanceof TaskFailure ? reason : toApiError(reason);
      this.logger.log({ msg: 'task failed', code });
      return taskFailed(task.id, code, message);
    } finally {
      await synthesis?.close();
    }
  }

  private finishWith(task: Task, last: TaskEventMessage): void {
    if (this.task === task) {
      this.task = undefined;
    }
    void this.emit(last);
  }

  /** Reports a bad frame; if it names the running task, that task fails with this error. */
  private failFrame(taskId: string, code: string, message: string): void {
    if (this.task && this.task.id === taskId) {
      this.abortTask(this.task, new TaskFailure(code, message));
      return;
    }
    this.refuse(taskId, code, message);
  }

  /** Stops a task; its `execute` then reports the reason as task-failed. */
  private abortTask(task: Task, reason: TaskFailure): void {
    if (!task.abort.signal.aborted) {
      task.abort.abort(reason);
      task.text.fail(reason);
    }
  }

  private refuse(
    taskId: string,
    code: string,
    message: string,
    reason: FrameRefusal = 'other',
  ): void {
    void this.emit(taskFailed(taskId, code, message));
    this.onRefused(reason);
  }

  /**
   * Sends a message unless the client has gone; resolves once it is written or the session is
   * closed. Never rejects (a failed send is logged).
   */
  private async emit(message: TaskEventMessage): Promise<void> {
    if (this.closed) {
      return;
    }
    try {
      await Promise.race([this.send(message), this.whenClosed]);
    } catch (error) {
      this.logUnexpected(error, message.header.task_id);
    }
  }

  private logUnexpected(error: unknown, taskId: string): void {
    this.logger.error({
      msg: 'unexpected failure in a WebSocket task',
      taskId,
      err: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}

/** `text` as JSON, cut to QUOTED_ACTION_LENGTH characters: a refusal never echoes it in full. */
function quoted(text: string): string {
  const characters = [...text];
  if (characters.length <= QUOTED_ACTION_LENGTH) {
    return JSON.stringify(text);
  }
  return `${JSON.stringify(characters.slice(0, QUOTED_ACTION_LENGTH).join(''))}… (${characters.length} characters)`;
}
