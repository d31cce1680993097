import {
  TaskSocket,
  joinAudio,
  postSpeech,
  readSpeechEvents,
  taskAudioChunks,
} from './speech-clients.js';
import type { TestApp } from './test-app.js';

/** One synthesis as a test describes it, whatever transport carries it (wire field names). */
export interface SynthesisCase {
  model?: unknown;
  mode?: unknown;
  text?: unknown;
  reference_audio_id?: unknown;
  instruct?: unknown;
  [option: string]: unknown;
}

/** How a synthesis ended as the client saw it: audio bytes, or the error's code and message. */
export type SynthesisOutcome =
  { ok: true; audio: Buffer } | { ok: false; status?: number; code: string; message: string };

/** A way to ask the service for speech; add one entry per transport. */
export interface SynthesisTransport {
  name: string;
  /** This transport's name of a field of the managed API (error messages begin with it). */
  wireName(field: string): string;
  /** The fields of the managed API this transport can carry with the same meaning. */
  carries(request: SynthesisCase): boolean;
  synthesize(
    app: Pick<TestApp, 'baseUrl' | 'wsUrl' | 'token'>,
    request: SynthesisCase,
  ): Promise<SynthesisOutcome>;
}

const sameName = (field: string): string => field;
const everything = (): boolean => true;

const DEFAULT_MODEL = 'CosyVoice2-0.5B';

function restBody(request: SynthesisCase, stream: boolean): Record<string, unknown> {
  const { model = DEFAULT_MODEL, ...input } = request;
  return { model, input, stream };
}

async function errorOf(response: Response): Promise<SynthesisOutcome> {
  const body = (await response.json()) as { code: string; message: string };
  return { ok: false, status: response.status, code: body.code, message: body.message };
}

/** REST with stream=false: one JSON answer. */
const restJson: SynthesisTransport = {
  name: 'REST (JSON)',
  wireName: sameName,
  carries: everything,
  async synthesize(app, request) {
    const response = await postSpeech(app, restBody(request, false));
    if (response.status !== 200) return errorOf(response);
    const body = (await response.json()) as {
      output: { audio: { data: string } };
      error: { code: string; message: string } | null;
    };
    if (body.error) return { ok: false, status: 200, ...body.error };
    return { ok: true, audio: Buffer.from(body.output.audio.data, 'base64') };
  },
};

/** REST with stream=true: server-sent events. */
const restSse: SynthesisTransport = {
  name: 'SSE',
  wireName: sameName,
  carries: everything,
  async synthesize(app, request) {
    const response = await postSpeech(app, restBody(request, true));
    if (response.status !== 200) return errorOf(response);
    const events = await readSpeechEvents(response);
    const failed = events.find((event) => event.error !== null);
    if (failed?.error) return { ok: false, status: 200, ...failed.error };
    return { ok: true, audio: joinAudio(events) };
  },
};

/** WebSocket duplex task: run-task with the options, one continue-task with the text. */
const webSocket: SynthesisTransport = {
  name: 'WebSocket',
  wireName: sameName,
  // its text arrives in continue-task pieces, checked piece by piece with messages of their own
  carries: (request) => typeof request.text === 'string' && request.text.trim() !== '',
  async synthesize(app, request) {
    const { model = 'cosyvoice-v2', text, ...parameters } = request;
    const socket = await TaskSocket.open(app);
    try {
      socket.runTask('task', parameters, model as string);
      const first = await socket.next((event) => event.header.task_id === 'task');
      if (first.header.event === 'task-started') {
        socket.continueTask('task', text as string);
        socket.finishTask('task');
      }
      const events = await socket.taskEnd('task');
      const last = events.at(-1)!;
      if (last.header.event === 'task-failed') {
        return { ok: false, code: last.header.error_code!, message: last.header.error_message! };
      }
      return { ok: true, audio: Buffer.concat(taskAudioChunks(events)) };
    } finally {
      socket.close();
    }
  },
};

/**
 * The OpenAI body's names of the managed API's fields that POST /v1/audio/speech has with the
 * same rule. Its `speed` is not one of them (OpenAI's 0.25–4.0, clamped), nor are `mode` (the
 * presence of `instructions` chooses it), `sample_rate`, `bit_rate` and `volume`.
 */
const OPENAI_NAMES: Record<string, string> = {
  model: 'model',
  text: 'input',
  reference_audio_id: 'voice',
  instruct: 'instructions',
  output_format: 'response_format',
  seed: 'seed',
};

/** OpenAI-compatible POST /v1/audio/speech; errors come as `{"error": {message, code, ...}}`. */
const openAi: SynthesisTransport = {
  name: '/v1/audio/speech',
  wireName: (field) => OPENAI_NAMES[field] ?? field,
  carries: ({ mode, instruct, model, reference_audio_id, ...rest }) =>
    Object.keys(rest).every((field) => field in OPENAI_NAMES) &&
    model === undefined &&
    typeof reference_audio_id === 'string' &&
    (mode === 'natural_language_replication'
      ? typeof instruct === 'string' && instruct.trim() !== ''
      : mode === 'cross_lingual_replication' || mode === 'fast_replication'),
  async synthesize(app, request) {
    const body: Record<string, unknown> = { model: 'tts-1' };
    for (const [field, value] of Object.entries(request)) {
      if (
        field !== 'mode' &&
        (field !== 'instruct' || request.mode === 'natural_language_replication')
      ) {
        body[OPENAI_NAMES[field]] = value;
      }
    }
    const response = await fetch(`${app.baseUrl}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) {
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      return { ok: false, status: response.status, code: error.code, message: error.message };
    }
    return { ok: true, audio: Buffer.from(await response.arrayBuffer()) };
  },
};

/** Every transport that carries a synthesis request. */
export const SYNTHESIS_TRANSPORTS: readonly SynthesisTransport[] = [
  restJson,
  restSse,
  webSocket,
  openAi,
];
