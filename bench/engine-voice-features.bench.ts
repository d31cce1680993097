/**
 * What carrying a voice's features in every synthesis request costs on the engine-node hop
 * (BENCHMARKS.md "Voice features on the wire"): `npm run bench:engine-voice`. For prompts of
 * 0 (an empty voice), 5, 10 and 30 s, the features of a real CosyVoice2 voice (25 speech tokens
 * per second as int32, the 80-bin prompt mel at 50 frames per second as float32, the 192-float
 * speaker embedding) are put in a Synthesize request; a stub node (the real proto, the real
 * decoding `requestFromWire`, no model) answers `done` as soon as it has decoded the request.
 * Printed per prompt length: the request's size on the wire and the round trip of one call on a
 * warm loopback channel (p50/p95 over BENCH_CALLS calls, default 300), and what it adds to the
 * empty voice's round trip: the time the features cost a synthesis before its first audio.
 */
import {
  type ClientDuplexStream,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
} from '@grpc/grpc-js';
import { loadavg } from 'node:os';
import {
  SPEECH_TOKENS_PER_SECOND,
  TOKEN_MEL_RATIO,
} from '../src/inference/cosyvoice2/cosyvoice2.constants.js';
import type { EngineClient } from '../src/inference/engine-fleet/engine-node.client.js';
import {
  engineService,
  MAX_MESSAGE_BYTES,
  type SynthesizeIn,
  type SynthesizeOut,
} from '../src/inference/grpc/engine-proto.js';
import { requestFromWire, requestToWire } from '../src/inference/grpc/engine-wire.js';
import { PROMPT_MEL_BINS, type VoiceFeatures } from '../src/inference/inference.types.js';
import { TextPieceQueue } from '../src/inference/text-piece.queue.js';
import { percentile } from './stats.js';

const CALLS = Number(process.env.BENCH_CALLS ?? '300');
const PROMPT_SECONDS = [0, 5, 10, 30];
const SPEAKER_EMBEDDING_FLOATS = 192;

/** The features of a voice whose prompt lasts `seconds`, filled with noise. */
function voiceOf(seconds: number): VoiceFeatures {
  const tokens = seconds * SPEECH_TOKENS_PER_SECOND;
  const frames = tokens * TOKEN_MEL_RATIO;
  return {
    speakerEmbedding: Float32Array.from({ length: SPEAKER_EMBEDDING_FLOATS }, Math.random),
    speechTokens: Int32Array.from({ length: tokens }, () => Math.floor(Math.random() * 6561)),
    promptMel: Float32Array.from({ length: frames * PROMPT_MEL_BINS }, Math.random),
    promptMelFrames: frames,
  };
}

/** A node that decodes each request as an engine node does and answers `done` at once. */
async function startStubNode(): Promise<{ address: string; close(): void }> {
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(engineService().service, {
    Synthesize: (call: ServerDuplexStream<SynthesizeIn, SynthesizeOut>) => {
      call.once('data', (message: SynthesizeIn) => {
        if (message.message === 'request') {
          requestFromWire(message.request, new TextPieceQueue(), new AbortController().signal);
        }
        call.write({ message: 'done', done: {} });
        call.end();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

async function main(): Promise<void> {
  const node = await startStubNode();
  const client = new (engineService())(node.address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  }) as unknown as EngineClient;
  const synthesize = client.Synthesize as (
    metadata: Metadata,
  ) => ClientDuplexStream<SynthesizeIn, SynthesizeOut>;
  const roundTrip = (message: SynthesizeIn): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const call = synthesize.call(client, new Metadata());
      call.on('data', () => resolve(performance.now() - started));
      call.on('error', reject);
      call.write(message);
      call.end();
    });
  const requestOf = (seconds: number): SynthesizeIn => ({
    message: 'request',
    request: requestToWire({
      mode: 'zero_shot',
      text: 'Hello there, good morning to you.',
      promptText: 'The transcript of the prompt.',
      voice: voiceOf(seconds),
      speed: 1,
      stream: true,
      seed: 7,
    }),
  });
  const { requestSerialize } = engineService().service.Synthesize;
  const rows: { seconds: number; bytes: number; p50: number; p95: number }[] = [];
  try {
    for (const seconds of PROMPT_SECONDS) {
      const message = requestOf(seconds);
      for (let index = 0; index < 20; index++) await roundTrip(message);
      const times: number[] = [];
      for (let index = 0; index < CALLS; index++) times.push(await roundTrip(message));
      rows.push({
        seconds,
        bytes: requestSerialize(message).length,
        p50: percentile(times, 0.5),
        p95: percentile(times, 0.95),
      });
    }
  } finally {
    client.close();
    node.close();
  }
  console.log(
    `calls per size: ${CALLS}; load average at the end: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(', ')}`,
  );
  console.log(
    '| prompt (s) | request on the wire (bytes) | round trip p50 (ms) | round trip p95 (ms) | added p50 (ms) |',
  );
  console.log(
    '| ---------- | --------------------------- | ------------------- | ------------------- | -------------- |',
  );
  for (const row of rows) {
    console.log(
      `| ${row.seconds} | ${row.bytes} | ${row.p50.toFixed(2)} | ${row.p95.toFixed(2)} | ` +
        `${(row.p50 - rows[0].p50).toFixed(2)} |`,
    );
  }
}

await main();
