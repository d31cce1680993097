import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSlowPack } from '../support/slow-pack.js';
import {
  describeNode,
  type EngineNodeProcess,
  startEngineNode,
} from '../support/engine-node-process.js';
import {
  completedSpeech,
  fleetEngines,
  fleetMetric,
  streamSpeech,
} from '../support/engine-fleet-clients.js';
import { freePort } from '../support/service-process.js';
import {
  TaskSocket,
  readSpeechEvents,
  taskAudioChunks,
  uploadVoice,
} from '../support/speech-clients.js';
import { SYNTHESIS_TRANSPORTS } from '../support/synthesis-transports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

const SECRET = 'engine-secret-for-the-tests';
const SLOTS = 2;
const TEXT = 'Hello there. This goes through an engine node.';
const LONG_TEXT =
  'The first sentence is here. The second one follows. A third comes after it. ' +
  'Then there is a fourth. And a fifth one ends it.';
/** Long enough to be still running when a test interrupts it, however fast the machine is. */
const VERY_LONG_TEXT = Array.from({ length: 4 }, () => LONG_TEXT).join(' ');
const VOICE_TEXT = 'A gliding tone.';

/**
 * One API service (in-process, ENGINE_NODES) and two engine node processes on loopback with the
 * tiny pack (its HiFT made slow, so a synthesis lasts long enough to be interrupted), beside an
 * API service that runs the same pack in-process, for the audio to compare with.
 */
describe('engine nodes over gRPC (2 engine processes, slow tiny pack)', () => {
  let modelDir: string;
  let nodes: EngineNodeProcess[];
  let fleet: TestApp;
  let local: TestApp;
  let fleetVoice: string;
  let localVoice: string;

  const metric = (name: string, node: EngineNodeProcess): Promise<number> =>
    fleetMetric(fleet, name, node.address);
  const engines = (app = fleet): Promise<string | undefined> => fleetEngines(app);
  const sse = streamSpeech;
  const completed = completedSpeech;

  async function slotsFree(node: EngineNodeProcess): Promise<number | undefined> {
    return (await describeNode(node.address, SECRET)).status?.slotsFree;
  }

  beforeAll(async () => {
    modelDir = await prepareSlowPack(768, 6);
    const nodeEnv = { ENGINE_SECRET: SECRET, ENGINE_SLOTS: String(SLOTS) };
    nodes = await Promise.all([
      startEngineNode(modelDir, nodeEnv),
      startEngineNode(modelDir, nodeEnv),
    ]);
    [fleet, local] = await Promise.all([
      startTestApp({
        ENGINE_NODES: nodes.map((node) => node.address).join(','),
        ENGINE_SECRET: SECRET,
        MAX_CONCURRENT_SYNTHESES: '8',
        SYNTHESIS_QUEUE_SIZE: '8',
      }),
      startTestApp({ MODEL_DIR: modelDir, INFERENCE_THREADS: '1' }),
    ]);
    await until(async () => (await engines()) === '2 nodes, 2 ready, 4/4 slots free', 'the fleet');
    [fleetVoice, localVoice] = await Promise.all([
      uploadVoice(fleet, 180, VOICE_TEXT),
      uploadVoice(local, 180, VOICE_TEXT),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([fleet?.close(), local?.close()]);
    await Promise.all((nodes ?? []).map((node) => node.stop('SIGKILL')));
  });

  it('reports the fleet in /ready and loads no model in the API service', async () => {
    expect(await engines()).toBe('2 nodes, 2 ready, 4/4 slots free');
    const ready = (await (await fetch(`${fleet.baseUrl}/ready`)).json()) as {
      checks: { model: { device: string; test_pack: boolean } };
    };
    expect(ready.checks.model).toMatchObject({ device: 'engine nodes', test_pack: true });
  });

  it.each(SYNTHESIS_TRANSPORTS.map((transport) => [transport.name, transport] as const))(
    '%s gives the same audio through the nodes as in-process for the same seed',
    async (_name, transport) => {
      const request = (voice: string) => ({
        mode: 'cross_lingual_replication',
        reference_audio_id: voice,
        text: TEXT,
        seed: 11,
        output_format: 'wav',
      });
      const [remote, inProcess] = await Promise.all([
        transport.synthesize(fleet, request(fleetVoice)),
        transport.synthesize(local, request(localVoice)),
      ]);
      expect(remote.ok && inProcess.ok).toBe(true);
      if (!remote.ok || !inProcess.ok) return;
      expect(remote.audio.length).toBeGreaterThan(1000);
      expect(remote.audio.equals(inProcess.audio)).toBe(true);
    },
    120_000,
  );

  it('carries WebSocket text pieces to the node and gives the in-process audio', async () => {
    const pieces = ['Hello there, ', 'this arrives ', 'in pieces. ', 'And then more.'];
    const run = async (app: TestApp, voice: string): Promise<Buffer> => {
      const socket = await TaskSocket.open(app);
      try {
        socket.runTask('t', {
          mode: 'fast_replication',
          reference_audio_id: voice,
          seed: 4,
          format: 'pcm',
        });
        await socket.next((event) => event.header.event === 'task-started');
        for (const piece of pieces) socket.continueTask('t', piece);
        socket.finishTask('t');
        const events = await socket.taskEnd('t');
        expect(events.at(-1)?.header.event).toBe('task-finished');
        return Buffer.concat(taskAudioChunks(events));
      } finally {
        socket.close();
      }
    };
    const [remote, inProcess] = await Promise.all([run(fleet, fleetVoice), run(local, localVoice)]);
    expect(remote.length).toBeGreaterThan(1000);
    expect(remote.equals(inProcess)).toBe(true);
  }, 120_000);

  it('places two syntheses sent at once on the two nodes (the most free slots first)', async () => {
    const dispatches = () =>
      Promise.all(nodes.map((node) => metric('engine_node_dispatches_total', node)));
    // Both nodes idle in the fleet's own view first (a run of an earlier test may still end).
    await until(async () => (await engines()) === '2 nodes, 2 ready, 4/4 slots free', 'idle nodes');
    const before = await dispatches();
    await Promise.all([0, 1].map(async () => completed(await sse(fleet, fleetVoice, LONG_TEXT))));
    const after = await dispatches();
    expect(after.map((count, index) => count - before[index])).toEqual([1, 1]);
  }, 120_000);

  it('frees the node slot when the client leaves mid-stream', async () => {
    const controller = new AbortController();
    const response = await sse(fleet, fleetVoice, VERY_LONG_TEXT, controller.signal);
    expect(response.status).toBe(200);
    await readSpeechEvents(response, () => false);
    const busy = await Promise.all(nodes.map(slotsFree));
    expect(busy.filter((free) => free === SLOTS - 1)).toHaveLength(1);
    controller.abort();
    await until(
      async () => (await Promise.all(nodes.map(slotsFree))).every((free) => free === SLOTS),
      'the slot to be free again',
    );
  }, 60_000);

  it('refuses a call without the secret or with a wrong one', async () => {
    const missing = await describeNode(nodes[0].address, null);
    expect(missing.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(missing.error?.details).toBe('the call carries no engine secret');
    const wrong = await describeNode(nodes[0].address, 'not-the-engine-secret');
    expect(wrong.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(wrong.error?.details).toBe('the engine secret is wrong');
    expect((await describeNode(nodes[0].address, SECRET)).status).toMatchObject({
      protoVersion: 'cosyvoice2.engine.v1',
      ready: true,
      slotsTotal: SLOTS,
    });
  });

  /** Another API service over the fleet's database and storage (it knows the fleet's voices). */
  function sharingApp(env: Record<string, string>): Promise<TestApp> {
    const storage = fleet.config.storage;
    const database = fleet.config.database;
    return startTestApp({
      DATABASE_URL: database.type === 'mysql' ? database.url : `sqlite:${database.path}`,
      STORAGE_DIR: storage.driver === 'local' ? storage.dir : '',
      ...env,
    });
  }

  async function expectServerBusy(app: TestApp): Promise<void> {
    const response = await sse(app, fleetVoice, TEXT);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toMatchObject({
      code: 'ServerBusy',
      message: 'no engine node is ready to take the synthesis; retry later',
    });
  }

  it('answers 503 ServerBusy with Retry-After when every node refuses its secret', async () => {
    const wrongSecret = await sharingApp({
      ENGINE_NODES: nodes.map((node) => node.address).join(','),
      ENGINE_SECRET: 'a-wrong-secret-of-the-api',
    });
    try {
      await until(async () => (await engines(wrongSecret)) !== undefined, '/ready');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await engines(wrongSecret)).toBe('2 nodes, 0 ready, 0/0 slots free');
      await expectServerBusy(wrongSecret);
    } finally {
      await wrongSecret.close();
    }
  }, 60_000);

  it('answers 503 ServerBusy with no reachable node, and recovers when one appears', async () => {
    const port = await freePort();
    const alone = await sharingApp({
      ENGINE_NODES: `127.0.0.1:${port}`,
      ENGINE_SECRET: SECRET,
    });
    let late: EngineNodeProcess | undefined;
    try {
      await expectServerBusy(alone);
      expect(await engines(alone)).toBe('1 node, 0 ready, 0/0 slots free');
      late = await startEngineNode(modelDir, {
        ENGINE_SECRET: SECRET,
        ENGINE_SLOTS: '1',
        ENGINE_PORT: String(port),
      });
      await until(
        async () => (await engines(alone)) === '1 node, 1 ready, 1/1 slots free',
        'the late node',
        30_000,
      );
      await completed(await sse(alone, fleetVoice, TEXT));
    } finally {
      await alone.close();
      await late?.stop('SIGKILL');
    }
  }, 120_000);

  it("ends only the killed node's stream with EngineFailed; other requests succeed", async () => {
    const running = await Promise.all([0, 1].map(() => sse(fleet, fleetVoice, VERY_LONG_TEXT)));
    const readers = running.map((response) => {
      expect(response.status).toBe(200);
      let first: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (first = resolve));
      const events = readSpeechEvents(response, () => first());
      return { started, events };
    });
    await Promise.all(readers.map((reader) => reader.started));
    const [victim, survivor] = nodes;
    await victim.stop('SIGKILL');
    const outcomes = await Promise.all(readers.map((reader) => reader.events));
    const endings = outcomes.map((events) => events.at(-1)?.error?.code ?? 'stop').sort();
    expect(endings).toEqual(['EngineFailed', 'stop']);
    // a request sent now may still be placed on the dead node (its state is a second old): it
    // moves to the survivor before any audio and succeeds
    const failuresBefore = await metric('engine_node_failures_total', victim);
    await completed(await sse(fleet, fleetVoice, TEXT));
    const refusedByVictim = (await metric('engine_node_failures_total', victim)) - failuresBefore;
    expect(refusedByVictim).toBeLessThanOrEqual(1);
    await until(
      async () => (await engines()) === '2 nodes, 1 ready, 2/2 slots free',
      'the dead node left out',
    );
    // the node comes back on its address and takes work again, the API service unchanged
    nodes[0] = await startEngineNode(modelDir, {
      ENGINE_SECRET: SECRET,
      ENGINE_SLOTS: String(SLOTS),
      ENGINE_PORT: String(victim.port),
    });
    await until(
      async () => (await engines()) === '2 nodes, 2 ready, 4/4 slots free',
      'the node back',
      30_000,
    );
    const dispatched = await metric('engine_node_dispatches_total', nodes[0]);
    await Promise.all([0, 1].map(async () => completed(await sse(fleet, fleetVoice, TEXT))));
    expect(await metric('engine_node_dispatches_total', nodes[0])).toBeGreaterThan(dispatched);
    expect(await metric('engine_node_failures_total', survivor)).toBe(0);
  }, 180_000);

  it('detects a SIGSTOPped node within seconds and sends it no work', async () => {
    const [stopped, other] = nodes;
    stopped.child.kill('SIGSTOP');
    const started = performance.now();
    try {
      await until(
        async () => (await engines()) === '2 nodes, 1 ready, 2/2 slots free',
        'the hung node left out',
        15_000,
      );
      const detectedMs = performance.now() - started;
      // the Describe deadline (1 s) after at most one poll interval (1 s)
      expect(detectedMs).toBeLessThan(10_000);
      const dispatched = await metric('engine_node_dispatches_total', stopped);
      await Promise.all([0, 1].map(async () => completed(await sse(fleet, fleetVoice, TEXT))));
      expect(await metric('engine_node_dispatches_total', stopped)).toBe(dispatched);
      expect(await metric('engine_node_slots_in_use', other)).toBe(0);
    } finally {
      stopped.child.kill('SIGCONT');
    }
    await until(
      async () => (await engines()) === '2 nodes, 2 ready, 4/4 slots free',
      'the node back',
      15_000,
    );
  }, 120_000);

  it('loses no request when a node is given SIGTERM under load (6 syntheses, 4 slots)', async () => {
    const [stays, leaves] = nodes;
    const failuresBefore = await metric('engine_node_failures_total', stays);
    const first = [0, 1, 2, 3].map(async () => completed(await sse(fleet, fleetVoice, LONG_TEXT)));
    await until(
      async () => (await Promise.all(nodes.map(slotsFree))).every((free) => free === 0),
      'every slot taken',
    );
    const exited = leaves.stop('SIGTERM');
    const more = [0, 1].map(async () => completed(await sse(fleet, fleetVoice, TEXT)));
    await Promise.all([...first, ...more]);
    expect(await exited).toBe(0);
    expect(await metric('engine_node_failures_total', stays)).toBe(failuresBefore);
  }, 180_000);
});
