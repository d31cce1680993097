import {
  credentials,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineNodeClient } from '../../../src/inference/engine-fleet/engine-node.client.js';
import {
  ENGINE_PROTO_VERSION,
  engineService,
  type NodeStatus,
} from '../../../src/inference/grpc/engine-proto.js';
import { until } from '../../support/until.js';

/** What the stub node reports to Describe (the test changes it). */
const reported: NodeStatus = {
  protoVersion: ENGINE_PROTO_VERSION,
  packHash: 'a'.repeat(64),
  ready: true,
  slotsTotal: 2,
  slotsFree: 2,
  device: 'cpu',
  testPack: true,
};

/**
 * The API service's view of one node's free slots between two of its reports (Describe, every
 * second): what it started there since the report and still runs is taken off, what ended is
 * not. Against a stub node that answers Describe only.
 */
describe('EngineNodeClient.freeSlots between two node reports', () => {
  let server: Server;
  let node: EngineNodeClient;
  let answers = 0;

  beforeAll(async () => {
    server = new Server();
    server.addService(engineService().service, {
      Describe: (_call: ServerUnaryCall<object, NodeStatus>, reply: sendUnaryData<NodeStatus>) => {
        answers++;
        reply(null, { ...reported });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    node = new EngineNodeClient(
      `127.0.0.1:${port}`,
      { secret: undefined, credentials: credentials.createInsecure() },
      undefined,
      () => undefined,
    );
    await until(() => node.ready, 'the stub node to be described');
  });

  afterAll(async () => {
    node?.close();
    await new Promise<void>((resolve) => server?.tryShutdown(() => resolve()));
  });

  it('short syntheses one after another never make the node look full', () => {
    const before = answers;
    for (let index = 0; index < 5; index++) {
      expect(node.freeSlots).toBe(2);
      const end = node.dispatch(false);
      expect(node.freeSlots).toBe(1);
      end();
    }
    expect(node.freeSlots).toBe(2);
    // No report arrived in between: the count above is the API service's own bookkeeping.
    expect(answers).toBe(before);
  });

  it('syntheses still running count until they end; one the report counted frees its slot when it ends', async () => {
    const first = node.dispatch(false);
    const second = node.dispatch(false);
    expect(node.freeSlots).toBe(0);
    reported.slotsFree = 0;
    const seen = answers;
    await until(() => answers > seen, 'the next report (both running)');
    await new Promise((resolve) => setImmediate(resolve));
    expect(node.freeSlots).toBe(0);
    first();
    expect(node.freeSlots).toBe(1);
    second();
    expect(node.freeSlots).toBe(2);
    reported.slotsFree = 2;
  });
});
