import { type ClientDuplexStream, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.decoder.js';
import type { EngineClient } from '../../src/inference/engine-fleet/engine-node.client.js';
import {
  engineService,
  type SynthesizeIn,
  type SynthesizeOut,
  type WireVoiceFeatures,
} from '../../src/inference/grpc/engine-proto.js';
import { audioToWire, requestToWire, voiceFromWire } from '../../src/inference/grpc/engine-wire.js';
import { RUN_AHEAD_CHUNKS } from '../../src/inference/worker/inference-worker.protocol.js';
import { fleetEngines, fleetMetric } from '../support/engine-fleet-clients.js';
import {
  describeNode,
  type EngineNodeProcess,
  startEngineNode,
} from '../support/engine-node-process.js';
import { holdConnection } from '../support/held-connection.js';
import { referenceVoiceWav, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { until } from '../support/until.js';

/** Many sentences: minutes of audio from the tiny pack, in many streamed chunks. */
const LONG_TEXT = Array.from(
  { length: 60 },
  (_, index) => `Sentence number ${index} is here, and it goes on for a while.`,
).join(' ');
/** A CJK Extension B ideograph: three BPE tokens each. */
const THREE_TOKENS = '𠀀';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One engine node process (tiny pack, one slot) behind an API service, beside an API service
 * that runs the same pack in-process: the credit window bounds what a slow reader leaves
 * buffered on the node and on the API service, and an engine error keeps its field through the
 * node.
 */
describe('engine node backpressure and errors (1 engine process, tiny pack)', () => {
  let node: EngineNodeProcess;
  let fleet: TestApp;
  let local: TestApp;

  beforeAll(async () => {
    const modelDir = await prepareTinyPack();
    node = await startEngineNode(modelDir, { ENGINE_SLOTS: '1' });
    [fleet, local] = await Promise.all([
      // a client that stops reading is not cut off while the test watches it
      startTestApp({ ENGINE_NODES: node.address, STREAM_STALL_TIMEOUT_MS: '600000' }),
      startTestApp({ MODEL_DIR: modelDir, INFERENCE_THREADS: '1' }),
    ]);
    await until(
      async () => (await fleetEngines(fleet)) === '1 node, 1 ready, 1/1 slots free',
      'the node',
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all([fleet?.close(), local?.close()]);
    await node?.stop('SIGKILL');
  });

  const slotsFree = async (): Promise<number | undefined> =>
    (await describeNode(node.address, null)).status?.slotsFree;

  it('sends a client that gives no credit RUN_AHEAD_CHUNKS chunks, then one per credit', async () => {
    const client = new (engineService())(
      node.address,
      credentials.createInsecure(),
    ) as unknown as EngineClient;
    const extract = client.ExtractVoiceFeatures as (
      request: ReturnType<typeof audioToWire>,
      callback: (error: ServiceError | null, features?: WireVoiceFeatures) => void,
    ) => void;
    const features = await new Promise<WireVoiceFeatures>((resolve, reject) =>
      extract.call(client, audioToWire(decodeWav(referenceVoiceWav(180))), (error, answer) =>
        error || !answer ? reject(error ?? new Error('no features')) : resolve(answer),
      ),
    );
    const synthesize = client.Synthesize as (
      metadata: Metadata,
    ) => ClientDuplexStream<SynthesizeIn, SynthesizeOut>;
    const call = synthesize.call(client, new Metadata());
    call.on('error', () => undefined);
    const arrivals: number[] = [];
    call.on('data', (message: SynthesizeOut) => {
      if (message.message === 'chunk') arrivals.push(performance.now());
    });
    try {
      const started = performance.now();
      call.write({
        message: 'request',
        request: requestToWire({
          mode: 'cross_lingual',
          text: LONG_TEXT,
          promptText: '',
          voice: voiceFromWire(features),
          speed: 1,
          stream: true,
          seed: 1,
        }),
      });
      await until(() => arrivals.length >= RUN_AHEAD_CHUNKS, 'the chunks sent ahead', 60_000);
      // three times as long as the first chunks took: a node that ignored the credit would send
      // several more in that time
      await sleep(3 * (arrivals[RUN_AHEAD_CHUNKS - 1] - started));
      expect(arrivals).toHaveLength(RUN_AHEAD_CHUNKS);
      expect(await slotsFree()).toBe(0);
      const credited = performance.now();
      call.write({ message: 'credit', credit: 1 });
      await until(() => arrivals.length > RUN_AHEAD_CHUNKS, 'the credited chunk', 60_000);
      await sleep(3 * (arrivals[RUN_AHEAD_CHUNKS] - credited));
      expect(arrivals).toHaveLength(RUN_AHEAD_CHUNKS + 1);
    } finally {
      call.cancel();
      client.close();
    }
    await until(async () => (await slotsFree()) === 1, 'the slot free again');
  }, 120_000);

  it('holds at most RUN_AHEAD_CHUNKS chunks on the API service for a client that stops reading', async () => {
    const voice = await uploadVoice(fleet, 180, 'A gliding tone.');
    const body = JSON.stringify({
      model: 'CosyVoice2-0.5B',
      input: {
        mode: 'cross_lingual_replication',
        reference_audio_id: voice,
        text: LONG_TEXT,
        sample_rate: 48000,
        output_format: 'pcm',
      },
      stream: true,
    });
    // a client that sends its request and never reads: once the socket buffers are full, the
    // transport stops taking chunks
    const reader = holdConnection(
      fleet.baseUrl,
      `POST /api/v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${fleet.token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    reader.socket.pause();
    const buffered = (): Promise<number> =>
      fleetMetric(fleet, 'engine_node_chunks_buffered', node.address);
    try {
      const started = performance.now();
      await until(async () => (await buffered()) === RUN_AHEAD_CHUNKS, 'a full window', 60_000);
      const filledMs = performance.now() - started;
      // as long again: the node keeps the synthesis (slot taken) but sends nothing more
      const seen: number[] = [];
      for (const until = performance.now() + filledMs; performance.now() < until;) {
        seen.push(await buffered());
        await sleep(100);
      }
      expect(Math.max(...seen)).toBe(RUN_AHEAD_CHUNKS);
      expect(await fleetMetric(fleet, 'engine_node_slots_in_use', node.address)).toBe(1);
      expect(await slotsFree()).toBe(0);
    } finally {
      reader.socket.destroy();
    }
    await until(async () => (await slotsFree()) === 1, 'the slot free again');
    expect(await buffered()).toBe(0);
  }, 120_000);

  async function openAiError(app: TestApp, voice: string, fields: object): Promise<unknown> {
    const response = await fetch(`${app.baseUrl}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
      body: JSON.stringify({ model: 'tts-1', voice, ...fields }),
    });
    return { status: response.status, body: await response.json() };
  }

  it.each([
    ['instructions', { input: '你好。', instructions: THREE_TOKENS.repeat(400) }],
    ['input', { input: `${THREE_TOKENS.repeat(120)}<| |>` }],
  ])(
    'names the OpenAI param %s of an engine-side refusal as the in-process engine does',
    async (param, fields) => {
      const [remoteVoice, localVoice] = await Promise.all([
        uploadVoice(fleet, 200, '希望你以后能够做得比我还好哟'),
        uploadVoice(local, 200, '希望你以后能够做得比我还好哟'),
      ]);
      const [remote, inProcess] = await Promise.all([
        openAiError(fleet, remoteVoice, fields),
        openAiError(local, localVoice, fields),
      ]);
      expect(inProcess).toMatchObject({
        status: 400,
        body: { error: { param, code: 'InvalidParameter', type: 'invalid_request_error' } },
      });
      expect(remote).toEqual(inProcess);
    },
    60_000,
  );
});
