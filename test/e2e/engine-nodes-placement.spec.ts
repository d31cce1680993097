import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completedSpeech,
  fleetEngines,
  fleetMetric,
  streamSpeech,
} from '../support/engine-fleet-clients.js';
import { type EngineNodeProcess, startEngineNode } from '../support/engine-node-process.js';
import { prepareSlowPack } from '../support/slow-pack.js';
import { TaskSocket, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

const TEXT = 'Hello there. This goes through an engine node.';
/**
 * How long a synthesis waits for a node slot before 503 (SYNTHESIS_QUEUE_WAIT_MS): long enough
 * for an aborted run to stop on its node (one slow HiFT run) and the node to report it (1 s).
 */
const QUEUE_WAIT_MS = 10_000;

/**
 * Two engine node processes of one slot each (slow tiny pack: a run lasts long enough to be
 * interrupted) behind one API service whose own admission never binds
 * (MAX_CONCURRENT_SYNTHESES 8): placement by free slots, the fleet's queue, and a node that dies
 * after a synthesis was placed on it but before its first audio.
 */
describe('placement across engine nodes (2 engine processes of 1 slot, slow tiny pack)', () => {
  let nodes: EngineNodeProcess[];
  let fleet: TestApp;
  let voice: string;

  const metric = (name: string, node: EngineNodeProcess): Promise<number> =>
    fleetMetric(fleet, name, node.address);
  const inUse = (node: EngineNodeProcess): Promise<number> =>
    metric('engine_node_slots_in_use', node);
  /** The node that runs the one synthesis in flight, once one does. */
  async function busyNode(candidates: EngineNodeProcess[]): Promise<EngineNodeProcess> {
    let busy: EngineNodeProcess | undefined;
    await until(async () => {
      for (const node of candidates) if ((await inUse(node)) === 1) busy = node;
      return busy !== undefined;
    }, 'a busy node');
    return busy!;
  }
  /**
   * A synthesis that holds its node slot until `stop` closes its socket, however fast the
   * machine: a WebSocket task whose text never ends (no finish-task), so its node waits for more.
   */
  async function longRun(): Promise<{ stop(): void }> {
    const socket = await TaskSocket.open(fleet);
    socket.runTask('held', { mode: 'fast_replication', reference_audio_id: voice, format: 'pcm' });
    await socket.next((event) => event.header.event === 'task-started');
    socket.continueTask('held', TEXT);
    return { stop: () => socket.socket.terminate() };
  }

  beforeAll(async () => {
    // each HiFT run slow enough that a killed node's first audio is far away
    const modelDir = await prepareSlowPack(768, 12);
    nodes = await Promise.all([0, 1].map(() => startEngineNode(modelDir, { ENGINE_SLOTS: '1' })));
    fleet = await startTestApp({
      ENGINE_NODES: nodes.map((node) => node.address).join(','),
      MAX_CONCURRENT_SYNTHESES: '8',
      SYNTHESIS_QUEUE_SIZE: '8',
      SYNTHESIS_QUEUE_WAIT_MS: String(QUEUE_WAIT_MS),
    });
    await until(
      async () => (await fleetEngines(fleet)) === '2 nodes, 2 ready, 2/2 slots free',
      'the fleet',
    );
    voice = await uploadVoice(fleet, 180, 'A gliding tone.');
  }, 180_000);

  afterAll(async () => {
    await fleet?.close();
    await Promise.all((nodes ?? []).map((node) => node.stop('SIGKILL')));
  });

  it('sends no work to a full node, queues when all are full, then answers 503 ServerBusy', async () => {
    const runs: { stop(): void }[] = [];
    try {
      const first = await longRun();
      runs.push(first);
      const full = await busyNode(nodes);
      const free = nodes.find((node) => node !== full)!;
      const before = await Promise.all(
        [full, free].map((node) => metric('engine_node_dispatches_total', node)),
      );
      runs.push(await longRun());
      await until(async () => (await inUse(free)) === 1, 'the second run on the free node');
      expect(await metric('engine_node_dispatches_total', full)).toBe(before[0]);
      expect(await metric('engine_node_dispatches_total', free)).toBe(before[1] + 1);
      expect(await metric('engine_node_failures_total', full)).toBe(0);

      // every slot taken: a request waits SYNTHESIS_QUEUE_WAIT_MS for one, then gets 503
      const asked = performance.now();
      const busy = await streamSpeech(fleet, voice, TEXT);
      const waitedMs = performance.now() - asked;
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('2');
      expect(waitedMs).toBeGreaterThanOrEqual(QUEUE_WAIT_MS);
      expect(await busy.json()).toMatchObject({
        code: 'ServerBusy',
        message: 'every engine node is busy; retry later',
      });

      // a request that waits while a slot frees runs on it
      const waiting = streamSpeech(fleet, voice, TEXT);
      first.stop();
      await completedSpeech(await waiting);
      // on the node that was full (once more if it refused it before it had freed the slot)
      expect(await metric('engine_node_dispatches_total', full)).toBeGreaterThan(before[0]);
      expect(await metric('engine_node_dispatches_total', free)).toBe(before[1] + 1);
      expect(await metric('engine_node_failures_total', full)).toBe(0);
    } finally {
      for (const run of runs) run.stop();
    }
    await until(
      async () => (await fleetEngines(fleet)) === '2 nodes, 2 ready, 2/2 slots free',
      'idle nodes',
    );
  }, 120_000);

  it('moves a synthesis whose node is killed before its first audio to the other node', async () => {
    let answered = false;
    const pending = streamSpeech(fleet, voice, TEXT).then((response) => {
      answered = true;
      return response;
    });
    const victim = await busyNode(nodes);
    const survivor = nodes.find((node) => node !== victim)!;
    const before = {
      victimFailures: await metric('engine_node_failures_total', victim),
      survivorRetries: await metric('engine_node_retries_total', survivor),
    };
    // the status line comes with the first audio: none has reached the client yet
    expect(answered).toBe(false);
    await victim.stop('SIGKILL');
    const events = await completedSpeech(await pending);
    expect(events.length).toBeGreaterThan(1);
    expect(await metric('engine_node_failures_total', victim)).toBe(before.victimFailures + 1);
    expect(await metric('engine_node_retries_total', survivor)).toBe(before.survivorRetries + 1);
  }, 120_000);
});
