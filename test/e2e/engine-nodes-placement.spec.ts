import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completedSpeech,
  fleetEngines,
  fleetMetric,
  streamSpeech,
} from '../support/engine-fleet-clients.js';
import { type EngineNodeProcess, startEngineNode } from '../support/engine-node-process.js';
import { prepareSlowPack } from '../support/slow-pack.js';
import { uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { until } from '../support/until.js';

const TEXT = 'Hello there. This goes through an engine node.';
/** 120 sentences: still running when the test ends it (it aborts it), however fast the machine. */
const VERY_LONG_TEXT = Array.from(
  { length: 24 },
  () =>
    'The first sentence is here. The second one follows. A third comes after it. ' +
    'Then there is a fourth. And a fifth one ends it.',
).join(' ');
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
  /** A long synthesis that runs until `controller` aborts it (its first event read). */
  async function longRun(controller: AbortController): Promise<void> {
    const response = await streamSpeech(fleet, voice, VERY_LONG_TEXT, controller.signal);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    void reader.closed.catch(() => undefined);
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
    const first = new AbortController();
    const second = new AbortController();
    try {
      await longRun(first);
      const full = await busyNode(nodes);
      const free = nodes.find((node) => node !== full)!;
      const before = await Promise.all(
        [full, free].map((node) => metric('engine_node_dispatches_total', node)),
      );
      await longRun(second);
      expect(await inUse(free)).toBe(1);
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
      first.abort();
      await completedSpeech(await waiting);
      expect(await metric('engine_node_dispatches_total', full)).toBe(before[0] + 1);
    } finally {
      first.abort();
      second.abort();
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
