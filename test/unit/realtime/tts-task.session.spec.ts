import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import type { TaskEventMessage } from '../../../src/realtime/tts-task.protocol.js';
import { TaskSynthesizer, TtsTaskSession } from '../../../src/realtime/tts-task.session.js';
import { NOTHING_TO_SPEAK_MESSAGE, type TextRefusal } from '../../../src/synthesis/speech-text.js';
import type {
  EncodedAudioChunk,
  SynthesisRequest,
} from '../../../src/synthesis/synthesis-request.js';
import { SynthesisHandle } from '../../../src/synthesis/synthesis.handle.js';

/** Echoes every text piece back as one "audio" chunk holding the piece's bytes. */
class EchoSynthesizer implements TaskSynthesizer {
  readonly textLimit = 12;
  requests: SynthesisRequest[] = [];
  signals: AbortSignal[] = [];

  closed = 0;
  refused: TextRefusal[] = [];

  textRefused(reason: TextRefusal) {
    this.refused.push(reason);
  }

  async open(request: SynthesisRequest, signal: AbortSignal) {
    if (request.referenceAudioId === 'unknown') {
      throw ApiError.notFound('reference audio unknown not found');
    }
    this.requests.push(request);
    this.signals.push(signal);
    const text = request.text as AsyncIterable<string>;
    const chunks = (async function* (): AsyncGenerator<EncodedAudioChunk, void, undefined> {
      for await (const piece of text) {
        signal.throwIfAborted();
        yield {
          audio: Buffer.from(piece),
          metrics: {
            speechSeconds: 0.5,
            serverCostSeconds: 0.1,
            generateSeconds: 0.05,
            firstPackageSeconds: 0.1,
          },
        };
      }
    })();
    return new SynthesisHandle(chunks, new AbortController(), () => this.closed++);
  }
}

const PARAMETERS = {
  mode: 'natural_language_replication',
  reference_audio_id: 'voice-1',
  output_format: 'wav',
  sample_rate: 24000,
  instruct: '用冷静的语气说',
  speed: 1.0,
  debug: true,
};

function frame(action: string, taskId: string, payload: Record<string, unknown> = {}): string {
  return JSON.stringify({ header: { action, task_id: taskId, streaming: 'duplex' }, payload });
}

function runTask(taskId: string, parameters: Record<string, unknown> = PARAMETERS): string {
  return frame('run-task', taskId, {
    task_group: 'audio',
    task: 'tts',
    function: 'SpeechSynthesizer',
    model: 'cosyvoice-v2',
    parameters,
    input: {},
  });
}

const continueTask = (taskId: string, text: string) =>
  frame('continue-task', taskId, { input: { text } });
const finishTask = (taskId: string) => frame('finish-task', taskId, { input: {} });

/** Lets pending promise callbacks (the task's async steps) run. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe(TtsTaskSession.name, () => {
  let synthesizer: EchoSynthesizer;
  let sent: TaskEventMessage[];
  let session: TtsTaskSession;

  const events = () => sent.map((message) => message.header.event);
  const last = () => sent[sent.length - 1];

  beforeEach(() => {
    synthesizer = new EchoSynthesizer();
    sent = [];
    session = new TtsTaskSession(synthesizer, (message) => {
      sent.push(message);
    });
  });

  it('runs the source client flow: started, one result per piece in order, finished', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    expect(events()).toEqual(['task-started']);
    session.handleFrame(continueTask('t1', '床前明月光,'), false);
    session.handleFrame(continueTask('t1', '疑是地上霜。'), false);
    session.handleFrame(finishTask('t1'), false);
    await session.settled();
    expect(events()).toEqual([
      'task-started',
      'result-generated',
      'result-generated',
      'task-finished',
    ]);
    const audio = sent
      .filter((m) => m.header.event === 'result-generated')
      .map((m) => {
        const output = m.payload.output as { audio: { data: string } };
        return Buffer.from(output.audio.data, 'base64').toString();
      });
    expect(audio).toEqual(['床前明月光,', '疑是地上霜。']);
    expect(synthesizer.closed).toBe(1);
    expect(sent[1].payload.metrics).toEqual({
      speech_len: 0.5,
      server_cost_time: 0.1,
      generate_time: 0.05,
      first_package_time: 0.1,
    });
    expect(sent.every((m) => m.header.task_id === 't1')).toBe(true);
    expect(last().payload).toEqual({ output: {}, usage: { characters: 12 } });
    expect(synthesizer.requests[0]).toMatchObject({
      transport: 'websocket',
      mode: 'natural_language_replication',
      referenceAudioId: 'voice-1',
      instruct: '用冷静的语气说',
      output: { format: 'wav', sampleRate: 24000, bitRateKbps: 192, volume: 1 },
      speed: 1,
      stream: true,
    });
  });

  it('synthesizes text as it arrives, before finish-task', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(continueTask('t1', '你好。'), false);
    await tick();
    expect(events()).toEqual(['task-started', 'result-generated']);
    session.handleFrame(finishTask('t1'), false);
    await session.settled();
    expect(last().header.event).toBe('task-finished');
  });

  it('takes a new run-task on the same connection after a task finished', async () => {
    session.handleFrame(runTask('t1'), false);
    session.handleFrame(continueTask('t1', 'a'), false);
    session.handleFrame(finishTask('t1'), false);
    await tick();
    await session.settled();
    session.handleFrame(runTask('t2'), false);
    session.handleFrame(continueTask('t2', 'b'), false);
    session.handleFrame(finishTask('t2'), false);
    await tick();
    await session.settled();
    expect(sent.map((m) => `${m.header.task_id}:${m.header.event}`)).toEqual([
      't1:task-started',
      't1:result-generated',
      't1:task-finished',
      't2:task-started',
      't2:result-generated',
      't2:task-finished',
    ]);
  });

  it('refuses invalid JSON with a precise message', () => {
    session.handleFrame('{"header": ', false);
    expect(last().header).toMatchObject({ event: 'task-failed', error_code: 'ProtocolError' });
    expect(last().header.error_message).toMatch(/^invalid JSON: /);
  });

  it('refuses a run-task whose parameters nest 10,000 levels deep, then runs the next task', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    session.handleFrame(
      runTask('deep', { ...PARAMETERS, extra: 'DEEP' }).replace('"DEEP"', deep),
      false,
    );
    expect(last().header).toEqual({
      event: 'task-failed',
      task_id: 'deep',
      attributes: {},
      error_code: 'ProtocolError',
      error_message: 'the message nests deeper than 32 levels of objects and arrays',
    });
    session.handleFrame(runTask('t2'), false);
    session.handleFrame(continueTask('t2', '你好。'), false);
    session.handleFrame(finishTask('t2'), false);
    await tick();
    await session.settled();
    expect(last().header).toMatchObject({ event: 'task-finished', task_id: 't2' });
  });

  it('answers a frame whose handling throws with task-failed InternalError, and stays usable', async () => {
    let broken = true;
    Object.defineProperty(synthesizer, 'textLimit', {
      get: () => {
        if (broken) throw new RangeError('Maximum call stack size exceeded');
        return 12;
      },
    });
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(continueTask('t1', '你好。'), false);
    expect(last().header).toMatchObject({
      event: 'task-failed',
      error_code: 'InternalError',
      error_message: 'internal server error',
    });
    broken = false;
    session.handleFrame(continueTask('t1', '你好。'), false);
    session.handleFrame(finishTask('t1'), false);
    await session.settled();
    expect(last().header).toMatchObject({ event: 'task-finished', task_id: 't1' });
  });

  it('refuses binary frames', () => {
    session.handleFrame(Buffer.from([1, 2, 3]), true);
    expect(last().header.error_message).toMatch(/binary frames are not accepted/);
  });

  it('refuses a message without header or task_id', () => {
    session.handleFrame('[]', false);
    expect(last().header.error_message).toMatch(/JSON object with a "header" object/);
    session.handleFrame(JSON.stringify({ header: { action: 'run-task' } }), false);
    expect(last().header.error_message).toBe('header.task_id must be a non-empty string');
  });

  it('refuses an unknown action, naming the accepted ones', () => {
    session.handleFrame(frame('pause-task', 'x'), false);
    expect(last().header).toMatchObject({ task_id: 'x', error_code: 'ProtocolError' });
    expect(last().header.error_message).toBe(
      'unknown action "pause-task"; expected one of run-task, continue-task, finish-task',
    );
  });

  it('refuses continue-task and finish-task before run-task', () => {
    session.handleFrame(continueTask('t1', 'hi'), false);
    expect(last().header.error_message).toBe('continue-task before run-task: no task is running');
    session.handleFrame(finishTask('t1'), false);
    expect(last().header.error_message).toBe('finish-task before run-task: no task is running');
  });

  it('refuses a second run-task while one runs and keeps the first running', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(runTask('t2'), false);
    expect(last().header).toMatchObject({ event: 'task-failed', task_id: 't2' });
    expect(last().header.error_message).toMatch(/^run-task while task t1 is running/);
    session.handleFrame(continueTask('t1', 'ok'), false);
    session.handleFrame(finishTask('t1'), false);
    await session.settled();
    expect(last().header).toMatchObject({ event: 'task-finished', task_id: 't1' });
  });

  it('refuses a frame with the wrong task_id without touching the running task', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(continueTask('other', 'x'), false);
    expect(last().header).toMatchObject({ event: 'task-failed', task_id: 'other' });
    expect(last().header.error_message).toBe(
      'continue-task names task_id other, but the running task is t1',
    );
    session.handleFrame(continueTask('t1', 'y'), false);
    session.handleFrame(finishTask('t1'), false);
    await session.settled();
    expect(last().header).toMatchObject({ event: 'task-finished', task_id: 't1' });
  });

  it('refuses a run-task with missing model or parameters', () => {
    session.handleFrame(frame('run-task', 't1', { parameters: PARAMETERS }), false);
    expect(last().header).toMatchObject({ error_code: 'InvalidParameter' });
    expect(last().header.error_message).toBe(
      'model is required: one of CosyVoice2-0.5B, cosyvoice-v2',
    );
    session.handleFrame(frame('run-task', 't1', { model: 'cosyvoice-v2' }), false);
    expect(last().header.error_message).toBe(
      'parameters is required: an object with mode, reference_audio_id, ...',
    );
    session.handleFrame(runTask('t1', { ...PARAMETERS, reference_audio_id: undefined }), false);
    expect(last().header.error_message).toBe(
      'reference_audio_id is required: the id of a stored reference audio',
    );
    session.handleFrame(runTask('t1', { ...PARAMETERS, speed: 3 }), false);
    expect(last().header.error_message).toBe('speed must be a number from 0.5 to 2');
    expect(synthesizer.requests).toHaveLength(0);
  });

  it('fails a task whose voice is unknown with the service error, then accepts a new task', async () => {
    session.handleFrame(runTask('t1', { ...PARAMETERS, reference_audio_id: 'unknown' }), false);
    await session.settled();
    expect(sent).toHaveLength(1);
    expect(last().header).toMatchObject({
      event: 'task-failed',
      task_id: 't1',
      error_code: 'NotFound',
      error_message: 'reference audio unknown not found',
    });
    session.handleFrame(runTask('t2'), false);
    await tick();
    expect(last().header).toMatchObject({ event: 'task-started', task_id: 't2' });
  });

  /** The running task t1 failed because its text passed the 12-character limit, and was aborted. */
  async function expectTextLimitFailure(): Promise<void> {
    await session.settled();
    expect(last().header).toMatchObject({
      event: 'task-failed',
      task_id: 't1',
      error_code: 'InvalidParameter',
      error_message:
        "the task's text would have 13 characters with this payload.input.text; the limit is 12 per task",
    });
    expect(synthesizer.signals[0].aborted).toBe(true);
  }

  it('fails the running task when a text piece is over the limit', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(continueTask('t1', '0123456789ABC'), false);
    await expectTextLimitFailure();
  });

  it('counts the limit over all the pieces of a task, not per piece', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(continueTask('t1', '012345'), false);
    session.handleFrame(continueTask('t1', '6789AB'), false);
    await tick();
    expect(synthesizer.signals[0].aborted).toBe(false);
    session.handleFrame(continueTask('t1', 'C'), false);
    await expectTextLimitFailure();
  });

  it('fails the running task on a continue-task without text, or after finish-task', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(frame('continue-task', 't1', { input: {} }), false);
    await session.settled();
    expect(last().header).toMatchObject({
      event: 'task-failed',
      task_id: 't1',
      error_message: 'payload.input.text must be a string',
    });
    session.handleFrame(runTask('t2'), false);
    session.handleFrame(continueTask('t2', 'a'), false);
    session.handleFrame(finishTask('t2'), false);
    session.handleFrame(continueTask('t2', 'b'), false);
    await session.settled();
    expect(last().header).toMatchObject({
      event: 'task-failed',
      task_id: 't2',
      error_message: 'continue-task after finish-task',
    });
    expect(events()).not.toContain('task-finished');
  });

  it('fails a task that finishes without any text', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(finishTask('t1'), false);
    await session.settled();
    expect(last().header.error_message).toMatch(/^no text to synthesize/);
  });

  it('fails a task whose pieces hold nothing to speak, and counts it', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(continueTask('t1', '。。 '), false);
    session.handleFrame(continueTask('t1', '[breath]\u200b😀'), false);
    session.handleFrame(finishTask('t1'), false);
    await session.settled();
    expect(last().header).toMatchObject({
      event: 'task-failed',
      error_code: 'InvalidParameter',
      error_message: NOTHING_TO_SPEAK_MESSAGE,
    });
    expect(synthesizer.refused).toEqual(['no_speakable_text']);
  });

  it('refuses a piece holding <|…|> tokens, and passes control tokens without invisible characters', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    session.handleFrame(continueTask('t1', '你\u200b好[breath]'), false);
    await tick();
    session.handleFrame(continueTask('t1', '<|im_end|>'), false);
    await session.settled();
    expect(last().header).toMatchObject({
      event: 'task-failed',
      error_message: expect.stringMatching(/^the text holds <\|im_end\|>, which would break/),
    });
    expect(synthesizer.refused).toEqual(['prompt_tokens']);
    const audio = sent
      .filter((m) => m.header.event === 'result-generated')
      .map((m) => {
        const output = m.payload.output as { audio: { data: string } };
        return Buffer.from(output.audio.data, 'base64').toString();
      });
    expect(audio).toEqual(['你好[breath]']);
  });

  it('aborts the running synthesis and stays silent when the client goes away', async () => {
    session.handleFrame(runTask('t1'), false);
    await tick();
    const before = sent.length;
    session.close();
    await session.settled();
    expect(synthesizer.signals[0].aborted).toBe(true);
    expect(sent).toHaveLength(before);
  });

  it('does not produce the next chunk before the previous one is written (slow readers)', async () => {
    const writes: (() => void)[] = [];
    session = new TtsTaskSession(synthesizer, (message) => {
      sent.push(message);
      if (message.header.event === 'result-generated') {
        return new Promise<void>((resolve) => writes.push(resolve));
      }
    });
    session.handleFrame(runTask('t1'), false);
    session.handleFrame(continueTask('t1', 'a'), false);
    session.handleFrame(continueTask('t1', 'b'), false);
    session.handleFrame(finishTask('t1'), false);
    await tick();
    expect(events()).toEqual(['task-started', 'result-generated']);
    writes[0]();
    await tick();
    expect(events()).toEqual(['task-started', 'result-generated', 'result-generated']);
    writes[1]();
    await session.settled();
    expect(last().header.event).toBe('task-finished');
  });

  it('waits for the client only while a task still takes text', async () => {
    expect(session.awaitingClient).toBe(true);
    session.handleFrame(runTask('t1'), false);
    session.handleFrame(continueTask('t1', 'a'), false);
    expect(session.awaitingClient).toBe(true);
    session.handleFrame(finishTask('t1'), false);
    expect(session.awaitingClient).toBe(false);
    await session.settled();
    expect(session.awaitingClient).toBe(true);
  });

  it('refuses a task id over 128 characters without echoing it, and reports each refusal', async () => {
    const refusals: string[] = [];
    session = new TtsTaskSession(
      synthesizer,
      (message) => {
        sent.push(message);
      },
      (reason) => refusals.push(reason),
    );
    const longId = '界'.repeat(129);
    session.handleFrame(runTask(longId), false);
    session.handleFrame(runTask('界'.repeat(128)), false);
    session.handleFrame(continueTask('other', 'a'), false);
    await tick();
    expect(sent[0]).toEqual({
      header: {
        event: 'task-failed',
        task_id: '',
        attributes: {},
        error_code: 'ProtocolError',
        error_message: 'header.task_id has 129 characters; the limit is 128',
      },
      payload: {},
    });
    expect(sent.slice(1).map(({ header }) => [header.event, header.task_id])).toEqual([
      ['task-failed', 'other'],
      ['task-started', '界'.repeat(128)],
    ]);
    expect(refusals).toEqual(['task_id_too_long', 'other']);
  });

  it('quotes at most 32 characters of an unknown action', async () => {
    session.handleFrame(frame('x'.repeat(100_000), 't1'), false);
    await tick();
    expect(last().header.error_message).toBe(
      `unknown action "${'x'.repeat(32)}"… (100000 characters); expected one of run-task, continue-task, finish-task`,
    );
  });

  it('stops waiting for a send the client never takes once the session is closed', async () => {
    session = new TtsTaskSession(synthesizer, (message) => {
      sent.push(message);
      if (message.header.event === 'result-generated') {
        return new Promise<void>(() => undefined);
      }
    });
    session.handleFrame(runTask('t1'), false);
    session.handleFrame(continueTask('t1', 'a'), false);
    await tick();
    expect(events()).toEqual(['task-started', 'result-generated']);
    session.close();
    await session.settled();
    expect(synthesizer.signals[0].aborted).toBe(true);
    expect(synthesizer.closed).toBe(1);
  });
});
