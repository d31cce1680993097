import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterCount } from '../../src/synthesis/synthesis-text.limits.js';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import { TaskSocket, uploadVoice, type TaskEvent } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

/**
 * A stateful (model-based) fuzzer of the WebSocket task protocol: fast-check generates sequences
 * of commands over CONNECTIONS connections to the real app on a real port (tiny pack), each a
 * frame or frames (run-task valid or not, continue-task with normal, empty or over-limit text,
 * finish-task, a second run-task with the running id, continue-task right after finish-task,
 * frames naming an id that never ran, ids over 128 characters, invalid JSON, binary frames) or a
 * disconnect (close or TCP reset, then a new connection in that slot). The model knows, per
 * connection, whether a task is open on the server and what its end will be.
 *
 * What "every run-task ends in exactly one end event" means here. Every run-task carries a fresh
 * id (except the same-id run-task, which names the open task). A run-task is
 * - refused when the model knows a task is open on that connection, or its parameters are
 *   invalid: its id gets exactly one event, task-failed (ProtocolError resp. InvalidParameter);
 * - started otherwise: its id's events are `task-started? result-generated* END`, where END is
 *   exactly one task-finished or task-failed with the code the model predicts (task-finished
 *   only after finish-task with spoken text), no result-generated before task-started, no
 *   task-started or result-generated after END, and after END only task-failed ProtocolError
 *   refusals of frames the fuzzer sent naming the id when it may already have ended (at most
 *   that many). On a connection the fuzzer dropped, a started task has at most one END.
 * Every frame naming an id that never ran gets exactly one task-failed ProtocolError with that
 * id; every frame without a usable id (invalid JSON, binary, id over 128 characters) exactly one
 * task-failed ProtocolError with task_id "". Checked once each sequence is quiet.
 *
 * After every sequence: no unhandledRejection in the process, SynthesisLimiter at 0 active and
 * 0 queued, no connection left open. Memory bound: the heap after a full GC at the end is at
 * most HEAP_GROWTH_BOUND above the heap after the first sequence.
 *
 * CI runs a fixed seed; FUZZ_SEED=<n> (or FUZZ_SEED=random) explores, FUZZ_RUNS scales.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
/** FUZZ_SEED=random draws a seed, printed with the result so that a failure can be replayed. */
const SEED =
  process.env.FUZZ_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED ?? 20261206);
const CONNECTIONS = 3;
const MAX_COMMANDS = 40;
const MAX_TEXT_LENGTH = 20;
const HEAP_GROWTH_BOUND = 64 * 1024 * 1024;
const TEXTS = ['你好。', '收到礼物。', 'Hello there.'];

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

type End = 'task-finished' | 'InvalidParameter' | 'ProtocolError';

/** What the fuzzer expects for one task id on one connection. */
type Expectation =
  | { kind: 'refused'; code: End }
  | { kind: 'never-ran' }
  | {
      kind: 'started';
      /** The END codes allowed (one unless the order of two frames decides). */
      ends: End[];
      /** Frames sent naming the id when it may already have ended. */
      lateFrames: number;
      dropped: boolean;
    };

interface OpenTask {
  id: string;
  characters: number;
  spoken: boolean;
}

interface ConnectionModel {
  /** The task open on the server (taking text), known for certain. */
  task?: OpenTask;
  /** A task whose end is on its way. */
  ending?: string;
}

interface Model {
  connections: ConnectionModel[];
}

/** One connection of the fuzzer and what it expects of it. */
class FuzzConnection {
  readonly expectations = new Map<string, Expectation>();
  blankRefusals = 0;
  dropped = false;

  constructor(readonly socket: TaskSocket) {}

  started(id: string): Extract<Expectation, { kind: 'started' }> {
    const expectation = this.expectations.get(id);
    if (expectation?.kind !== 'started') throw new Error(`task ${id} did not start`);
    return expectation;
  }
}

interface Real {
  app: TestApp;
  voice: string;
  connections: FuzzConnection[];
  /** Every connection of the sequence, dropped ones included, for the final check. */
  all: FuzzConnection[];
  frames: number;
  nextId: number;
}

function freshId(real: Real, prefix: string): string {
  return `${prefix}-${real.nextId++}`;
}

function sendRaw(real: Real, slot: number, data: string | Buffer, binary = false): void {
  real.connections[slot].socket.socket.send(data, { binary });
  real.frames++;
}

function sendFrame(
  real: Real,
  slot: number,
  action: string,
  taskId: string,
  payload: Record<string, unknown>,
): void {
  sendRaw(
    real,
    slot,
    JSON.stringify({ header: { action, task_id: taskId, streaming: 'duplex' }, payload }),
  );
}

function runTaskPayload(real: Real, valid: boolean): Record<string, unknown> {
  return {
    task_group: 'audio',
    task: 'tts',
    function: 'SpeechSynthesizer',
    model: 'cosyvoice-v2',
    parameters: valid
      ? { mode: 'cross_lingual_replication', reference_audio_id: real.voice, output_format: 'wav' }
      : { mode: 'no_such_mode', reference_audio_id: real.voice },
    input: {},
  };
}

/** Waits for the end of the task the model says is ending on `slot`, then forgets it. */
async function settle(model: Model, real: Real, slot: number): Promise<void> {
  const ending = model.connections[slot].ending;
  if (ending === undefined) return;
  await real.connections[slot].socket.taskEnd(ending);
  model.connections[slot].ending = undefined;
}

/** The open task of `slot` ends with one of `ends`; the model then waits for it. */
function endTask(model: Model, real: Real, slot: number, ends: End[], lateFrames = 0): void {
  const task = model.connections[slot].task!;
  const expectation = real.connections[slot].started(task.id);
  expectation.ends = ends;
  expectation.lateFrames += lateFrames;
  model.connections[slot].task = undefined;
  model.connections[slot].ending = task.id;
}

abstract class SlotCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly slot: number) {}
  abstract check(model: Readonly<Model>): boolean;
  abstract run(model: Model, real: Real): Promise<void>;
  abstract toString(): string;
}

class RunTask extends SlotCommand {
  constructor(
    slot: number,
    readonly valid: boolean,
  ) {
    super(slot);
  }
  check = () => true;
  async run(model: Model, real: Real) {
    await settle(model, real, this.slot);
    const connection = real.connections[this.slot];
    const id = freshId(real, 'task');
    sendFrame(real, this.slot, 'run-task', id, runTaskPayload(real, this.valid));
    if (model.connections[this.slot].task) {
      connection.expectations.set(id, { kind: 'refused', code: 'ProtocolError' });
    } else if (!this.valid) {
      connection.expectations.set(id, { kind: 'refused', code: 'InvalidParameter' });
    } else {
      connection.expectations.set(id, {
        kind: 'started',
        ends: [],
        lateFrames: 0,
        dropped: false,
      });
      model.connections[this.slot].task = { id, characters: 0, spoken: false };
    }
  }
  toString = () => `run-task(${this.slot}, ${this.valid ? 'valid' : 'invalid'})`;
}

class ContinueTask extends SlotCommand {
  constructor(
    slot: number,
    readonly text: 'normal' | 'empty' | 'over-limit',
    readonly pick: number,
  ) {
    super(slot);
  }
  check = (model: Readonly<Model>) => model.connections[this.slot].task !== undefined;
  async run(model: Model, real: Real) {
    const task = model.connections[this.slot].task!;
    const text =
      this.text === 'empty'
        ? ''
        : this.text === 'over-limit'
          ? '长'.repeat(MAX_TEXT_LENGTH + 1)
          : TEXTS[this.pick % TEXTS.length];
    sendFrame(real, this.slot, 'continue-task', task.id, { input: { text } });
    const length = characterCount(text);
    if (task.characters + length > MAX_TEXT_LENGTH) {
      endTask(model, real, this.slot, ['InvalidParameter']);
      return;
    }
    task.characters += length;
    task.spoken ||= text.trim() !== '';
  }
  toString = () => `continue-task(${this.slot}, ${this.text})`;
}

class FinishTask extends SlotCommand {
  constructor(
    slot: number,
    /** Sends a continue-task right behind the finish-task. */
    readonly thenText: boolean,
  ) {
    super(slot);
  }
  check = (model: Readonly<Model>) => model.connections[this.slot].task !== undefined;
  async run(model: Model, real: Real) {
    const task = model.connections[this.slot].task!;
    sendFrame(real, this.slot, 'finish-task', task.id, { input: {} });
    if (!this.thenText) {
      endTask(model, real, this.slot, [task.spoken ? 'task-finished' : 'InvalidParameter']);
      return;
    }
    sendFrame(real, this.slot, 'continue-task', task.id, { input: { text: TEXTS[0] } });
    // With spoken text the synthesis may end between the two frames: then the task finishes and
    // the continue-task is refused on its own.
    endTask(
      model,
      real,
      this.slot,
      task.spoken ? ['ProtocolError', 'task-finished'] : ['InvalidParameter'],
      1,
    );
  }
  toString = () => `finish-task(${this.slot}${this.thenText ? ', then continue-task' : ''})`;
}

class SameIdRunTask extends SlotCommand {
  check = (model: Readonly<Model>) => model.connections[this.slot].task !== undefined;
  async run(model: Model, real: Real) {
    const task = model.connections[this.slot].task!;
    sendFrame(real, this.slot, 'run-task', task.id, runTaskPayload(real, true));
    endTask(model, real, this.slot, ['ProtocolError']);
  }
  toString = () => `run-task-same-id(${this.slot})`;
}

class NeverRanId extends SlotCommand {
  constructor(
    slot: number,
    readonly action: 'continue-task' | 'finish-task' | 'cancel-task',
  ) {
    super(slot);
  }
  check = () => true;
  async run(_model: Model, real: Real) {
    const id = freshId(real, 'ghost');
    sendFrame(real, this.slot, this.action, id, { input: { text: TEXTS[0] } });
    real.connections[this.slot].expectations.set(id, { kind: 'never-ran' });
  }
  toString = () => `${this.action}-never-ran(${this.slot})`;
}

class Unusable extends SlotCommand {
  constructor(
    slot: number,
    readonly kind: 'long-id' | 'invalid-json' | 'binary' | 'no-header',
    readonly bytes: Uint8Array,
  ) {
    super(slot);
  }
  check = () => true;
  async run(_model: Model, real: Real) {
    const filler = Buffer.from(this.bytes).toString('hex');
    if (this.kind === 'long-id') {
      sendFrame(real, this.slot, 'continue-task', `L${'x'.repeat(128)}${filler}`, {});
    } else if (this.kind === 'invalid-json') {
      sendRaw(real, this.slot, `{"header": ${filler}`);
    } else if (this.kind === 'binary') {
      sendRaw(real, this.slot, Buffer.from(this.bytes), true);
    } else {
      sendRaw(real, this.slot, JSON.stringify({ payload: { filler } }));
    }
    real.connections[this.slot].blankRefusals++;
  }
  toString = () => `${this.kind}(${this.slot}, ${this.bytes.length} bytes)`;
}

class Disconnect extends SlotCommand {
  constructor(
    slot: number,
    readonly how: 'close' | 'reset',
  ) {
    super(slot);
  }
  check = () => true;
  async run(model: Model, real: Real) {
    const connection = real.connections[this.slot];
    const state = model.connections[this.slot];
    for (const id of [state.task?.id, state.ending]) {
      if (id !== undefined) connection.started(id).dropped = true;
    }
    connection.dropped = true;
    if (this.how === 'close') connection.socket.close();
    else connection.socket.socket.terminate();
    model.connections[this.slot] = {};
    const fresh = new FuzzConnection(await TaskSocket.open(real.app));
    real.connections[this.slot] = fresh;
    real.all.push(fresh);
  }
  toString = () => `disconnect(${this.slot}, ${this.how})`;
}

const slot = fc.integer({ min: 0, max: CONNECTIONS - 1 });
const commands = [
  fc.tuple(slot, fc.boolean()).map(([at, valid]) => new RunTask(at, valid)),
  fc.tuple(slot, fc.boolean()).map(([at]) => new RunTask(at, true)),
  fc
    .tuple(slot, fc.constantFrom('normal', 'empty', 'over-limit' as const), fc.nat())
    .map(([at, text, pick]) => new ContinueTask(at, text, pick)),
  fc.tuple(slot, fc.nat()).map(([at, pick]) => new ContinueTask(at, 'normal', pick)),
  fc.tuple(slot, fc.boolean()).map(([at, thenText]) => new FinishTask(at, thenText)),
  slot.map((at) => new SameIdRunTask(at)),
  fc
    .tuple(slot, fc.constantFrom('continue-task', 'finish-task', 'cancel-task' as const))
    .map(([at, action]) => new NeverRanId(at, action)),
  fc
    .tuple(
      slot,
      fc.constantFrom('long-id', 'invalid-json', 'binary', 'no-header' as const),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
    )
    .map(([at, kind, bytes]) => new Unusable(at, kind, bytes)),
  fc
    .tuple(slot, fc.constantFrom('close', 'reset' as const))
    .map(([at, how]) => new Disconnect(at, how)),
];

/** The end events of a task: task-finished, task-failed. */
function isEnd(event: TaskEvent): boolean {
  return event.header.event === 'task-finished' || event.header.event === 'task-failed';
}

function endOf(event: TaskEvent): End | string {
  return event.header.event === 'task-finished' ? 'task-finished' : event.header.error_code!;
}

/** Checks one connection's events against what the fuzzer expects of them. */
function checkConnection(connection: FuzzConnection): void {
  const events = connection.socket.events;
  const blank = events.filter((event) => event.header.task_id === '');
  expect(blank.map((event) => event.header.error_code)).toEqual(
    Array.from(
      { length: connection.dropped ? blank.length : connection.blankRefusals },
      () => 'ProtocolError',
    ),
  );
  for (const [id, expectation] of connection.expectations) {
    const own = events.filter((event) => event.header.task_id === id);
    const context = `${id}: ${JSON.stringify(own.map((event) => [event.header.event, event.header.error_code]))}`;
    if (expectation.kind !== 'started') {
      if (connection.dropped && own.length === 0) continue;
      expect(own, context).toHaveLength(1);
      expect(endOf(own[0]), context).toBe(
        expectation.kind === 'refused' ? expectation.code : 'ProtocolError',
      );
      continue;
    }
    const first = own.findIndex(isEnd);
    if (first < 0) {
      expect(expectation.dropped, `${context}: no end`).toBe(true);
      continue;
    }
    const before = own.slice(0, first);
    expect(
      before.every((event, index) =>
        index === 0
          ? event.header.event === 'task-started' || event.header.event === 'result-generated'
          : event.header.event === 'result-generated',
      ),
      context,
    ).toBe(true);
    if (before.some((event) => event.header.event === 'result-generated')) {
      expect(before[0].header.event, context).toBe('task-started');
    }
    if (!expectation.dropped) {
      expect(expectation.ends, context).toContain(endOf(own[first]));
    }
    const after = own.slice(first + 1);
    expect(after.length, context).toBeLessThanOrEqual(expectation.lateFrames);
    expect(
      after.every((event) => endOf(event) === 'ProtocolError'),
      context,
    ).toBe(true);
  }
}

describe('WebSocket protocol fuzzer (stateful, fast-check model commands, tiny pack)', () => {
  let app: TestApp;
  let voice: string;
  let limiter: SynthesisLimiter;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    app = await startTestApp({
      MODEL_DIR: await prepareTinyPack(),
      MAX_TEXT_LENGTH: String(MAX_TEXT_LENGTH),
      MAX_CONCURRENT_SYNTHESES: '2',
    });
    voice = await uploadVoice(app, 200, '希望你以后能够做得比我还好哟');
    limiter = app.app.get(SynthesisLimiter, { strict: false });
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await app?.close();
  });

  it(`${RUNS} random sequences of up to ${MAX_COMMANDS} commands over ${CONNECTIONS} connections: one end per task, slots back to 0, bounded heap`, async () => {
    let sequences = 0;
    let frames = 0;
    let heapAfterFirst: number | undefined;
    let heapAtEnd = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'max' }),
        async (sequence) => {
          const connections = await Promise.all(
            Array.from(
              { length: CONNECTIONS },
              async () => new FuzzConnection(await TaskSocket.open(app)),
            ),
          );
          const real: Real = {
            app,
            voice,
            connections,
            all: [...connections],
            frames: 0,
            nextId: 0,
          };
          const model: Model = { connections: connections.map(() => ({})) };
          try {
            await fc.asyncModelRun(() => ({ model, real }), sequence);
            // Quiet: every open task finished or failed, then one frame per connection whose
            // refusal comes after everything the connection was sent before.
            for (let at = 0; at < CONNECTIONS; at++) {
              await settle(model, real, at);
              if (model.connections[at].task) {
                await new FinishTask(at, false).run(model, real);
                await settle(model, real, at);
              }
              const barrier = freshId(real, 'barrier');
              sendFrame(real, at, 'finish-task', barrier, {});
              real.connections[at].expectations.set(barrier, { kind: 'never-ran' });
              await real.connections[at].socket.next((event) => event.header.task_id === barrier);
            }
            for (const connection of real.all) checkConnection(connection);
          } finally {
            for (const connection of real.all) connection.socket.socket.terminate();
          }
          await until(
            () => limiter.active === 0 && limiter.queued === 0,
            'every synthesis slot free',
          );
          expect(unhandled).toEqual([]);
          sequences++;
          frames += real.frames;
          collectGarbage();
          heapAtEnd = process.memoryUsage().heapUsed;
          heapAfterFirst ??= heapAtEnd;
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    process.stdout.write(
      `WebSocket protocol fuzzer: ${sequences} sequences, ${frames} frames, ${CONNECTIONS} ` +
        `connections each (seed ${SEED})\n`,
    );
    expect(sequences).toBe(RUNS);
    expect(heapAtEnd - heapAfterFirst!).toBeLessThanOrEqual(HEAP_GROWTH_BOUND);
  }, 300_000);
});
