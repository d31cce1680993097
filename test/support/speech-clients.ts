import { createParser } from 'eventsource-parser';
import { WebSocket } from 'ws';
import { encodeWav } from '../../src/audio/wav.encoder.js';
import { createReferenceAudio } from './http-client.js';
import type { TestApp } from './test-app.js';

/** The body of every answer (stream=false) and of every SSE event (stream=true). */
export interface SpeechEvent {
  output: { finish_reason: string | null; audio: { data: string } };
  request_id: string;
  error: { code: string; message: string } | null;
}

/** A server → client WebSocket message of the duplex task protocol. */
export interface TaskEvent {
  header: {
    event: string;
    task_id: string;
    error_code?: string;
    error_message?: string;
  };
  payload: {
    output?: { audio?: { data: string } };
    metrics?: {
      speech_len: number;
      server_cost_time: number;
      generate_time: number;
      first_package_time: number;
    };
    usage?: { characters: number };
  };
}

export const WS_PATH = '/api-ws/v1/audio/speech';

/**
 * A 2.5 s, 16 kHz reference "voice": a vowel-like harmonic tone gliding around `pitch` Hz with
 * syllable-rate loudness changes, so different pitches give clearly different prompt features.
 */
export function referenceVoiceWav(pitch: number): Buffer {
  const sampleRate = 16000;
  const samples = new Float32Array(Math.round(2.5 * sampleRate));
  let phase = 0;
  for (let n = 0; n < samples.length; n++) {
    const t = n / sampleRate;
    const f0 = pitch * (1 + 0.08 * Math.sin(2 * Math.PI * 0.7 * t));
    phase += (2 * Math.PI * f0) / sampleRate;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    let value = 0;
    for (let harmonic = 1; harmonic <= 6; harmonic++) {
      value += Math.sin(harmonic * phase) / harmonic;
    }
    samples[n] = 0.25 * envelope * value;
  }
  return encodeWav({ samples, sampleRate });
}

/** Uploads a reference voice like the source's upload example; returns its id. */
export function uploadVoice(
  app: Pick<TestApp, 'baseUrl' | 'token'>,
  pitch: number,
  text: string,
): Promise<string> {
  return createReferenceAudio(app, {
    bytes: referenceVoiceWav(pitch),
    filename: 'zero_shot_prompt.wav',
    text,
  });
}

/** POST /api/v1/audio/speech with a JSON body. */
export function postSpeech(
  app: Pick<TestApp, 'baseUrl' | 'token'>,
  body: unknown,
  init: { token?: string | null; signal?: AbortSignal } = {},
): Promise<Response> {
  const token = init.token === undefined ? app.token : init.token;
  return fetch(`${app.baseUrl}/api/v1/audio/speech`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
    signal: init.signal,
  });
}

/**
 * Reads a text/event-stream body with eventsource-parser, calling `onEvent` with each parsed
 * event as it arrives (return false to stop reading); resolves with every event read.
 */
export async function readSpeechEvents(
  response: Response,
  onEvent: (event: SpeechEvent) => boolean | void = () => undefined,
): Promise<SpeechEvent[]> {
  const events: SpeechEvent[] = [];
  let stop = false;
  const parser = createParser({
    onEvent(message) {
      const event = JSON.parse(message.data) as SpeechEvent;
      events.push(event);
      if (onEvent(event) === false) {
        stop = true;
      }
    },
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  while (!stop) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    parser.feed(value);
  }
  if (stop) {
    await reader.cancel();
  }
  return events;
}

/** The decoded audio of every event, concatenated. */
export function joinAudio(events: SpeechEvent[]): Buffer {
  return Buffer.concat(events.map((event) => Buffer.from(event.output.audio.data, 'base64')));
}

/** The audio chunks of every result-generated message, decoded. */
export function taskAudioChunks(events: TaskEvent[]): Buffer[] {
  return events
    .filter((event) => event.header.event === 'result-generated')
    .map((event) => Buffer.from(event.payload.output!.audio!.data, 'base64'));
}

/** An open WebSocket with a queue of received task events. */
export class TaskSocket {
  readonly events: TaskEvent[] = [];
  private waiters: (() => void)[] = [];
  closeCode: number | undefined;
  closeReason = '';

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.events.push(JSON.parse(data.toString()) as TaskEvent);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
  }

  /** Opens a connection; `auth` 'header' (default), 'query', or 'none'. */
  static async open(
    app: Pick<TestApp, 'wsUrl' | 'token'>,
    auth: 'header' | 'query' | 'none' = 'header',
  ): Promise<TaskSocket> {
    const url = `${app.wsUrl}${WS_PATH}${auth === 'query' ? `?token=${app.token}` : ''}`;
    const socket = new WebSocket(url, {
      headers: auth === 'header' ? { Authorization: `Bearer ${app.token}` } : {},
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new TaskSocket(socket);
  }

  send(action: string, taskId: string, payload: Record<string, unknown>): void {
    this.socket.send(
      JSON.stringify({ header: { action, task_id: taskId, streaming: 'duplex' }, payload }),
    );
  }

  /** The run-task frame exactly as the source document's TTSClient builds it. */
  runTask(taskId: string, parameters: Record<string, unknown>, model = 'cosyvoice-v2'): void {
    this.send('run-task', taskId, {
      task_group: 'audio',
      task: 'tts',
      function: 'SpeechSynthesizer',
      model,
      parameters,
      input: {},
    });
  }

  continueTask(taskId: string, text: string): void {
    this.send('continue-task', taskId, { input: { text } });
  }

  finishTask(taskId: string): void {
    this.send('finish-task', taskId, { input: {} });
  }

  /** Waits for the first event (from index `from` on) that matches. */
  async next(
    matches: (event: TaskEvent) => boolean,
    from = 0,
    timeoutMs = 60_000,
  ): Promise<TaskEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(matches);
      if (found) {
        return found;
      }
      if (this.closeCode !== undefined) {
        throw new Error(`socket closed (${this.closeCode} ${this.closeReason}) while waiting`);
      }
      if (Date.now() > deadline) {
        throw new Error(`no matching event within ${timeoutMs} ms: ${JSON.stringify(this.events)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the task's task-finished or task-failed; returns the task's events. */
  async taskEnd(taskId: string, from = 0): Promise<TaskEvent[]> {
    await this.next(
      (event) =>
        event.header.task_id === taskId &&
        (event.header.event === 'task-finished' || event.header.event === 'task-failed'),
      from,
    );
    return this.events.slice(from).filter((event) => event.header.task_id === taskId);
  }

  /** Runs a whole task the way the source's TTSClient does: texts and finish on task-started. */
  async runWholeTask(
    taskId: string,
    parameters: Record<string, unknown>,
    texts: string[],
  ): Promise<TaskEvent[]> {
    const from = this.events.length;
    this.runTask(taskId, parameters);
    const first = await this.next((event) => event.header.task_id === taskId, from);
    if (first.header.event === 'task-started') {
      for (const text of texts) {
        this.continueTask(taskId, text);
      }
      this.finishTask(taskId);
    }
    return this.taskEnd(taskId, from);
  }

  async waitForClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) {
        throw new Error('socket still open');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { code: this.closeCode, reason: this.closeReason };
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Tries a handshake and returns the HTTP status of a refused one (or 101 when accepted). */
export function handshakeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
