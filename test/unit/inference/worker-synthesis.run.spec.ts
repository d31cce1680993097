import { describe, expect, it } from 'vitest';
import type { InferenceProvider } from '../../../src/inference/inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../../../src/inference/inference.types.js';
import {
  RUN_AHEAD_CHUNKS,
  type WorkerToMainMessage,
} from '../../../src/inference/worker/inference-worker.protocol.js';
import { WorkerSynthesisRun } from '../../../src/inference/worker/worker-synthesis.run.js';

/** An engine that would produce `total` chunks, counting those it was asked for. */
function countingEngine(total: number) {
  const state = { produced: 0, closed: false, signal: undefined as AbortSignal | undefined };
  const engine = {
    status: () => ({ loaded: true, testPack: false }),
    extractVoiceFeatures: () => Promise.reject(new Error('unused')),
    async *synthesize(input: SynthesisInput): AsyncGenerator<SpeechChunk> {
      state.signal = input.signal;
      try {
        for (let i = 0; i < total; i++) {
          input.signal?.throwIfAborted();
          state.produced++;
          yield { samples: new Float32Array(480).fill(i), modelSeconds: 0.01 };
        }
      } finally {
        state.closed = true;
      }
    },
  } as InferenceProvider;
  return { engine, state };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('WorkerSynthesisRun', () => {
  const input = {
    mode: 'zero_shot' as const,
    text: 'hello',
    promptText: 'hi',
    voice: {
      speakerEmbedding: new Float32Array(192),
      speechTokens: new Int32Array(2),
      promptMel: new Float32Array(320),
      promptMelFrames: 4,
    },
    speed: 1,
    stream: true,
  };

  it('runs at most the granted chunks ahead of the consumer, moving each buffer', async () => {
    const { engine, state } = countingEngine(10);
    const posted: { message: WorkerToMainMessage; transfer: ArrayBuffer[] }[] = [];
    const run = new WorkerSynthesisRun(1, input, engine, (message, transfer = []) =>
      posted.push({ message, transfer }),
    );
    const finished = run.run();
    await settle();
    expect(state.produced).toBe(RUN_AHEAD_CHUNKS);
    expect(posted.map(({ message }) => message.type)).toEqual(['chunk', 'chunk']);
    const first = posted[0].message;
    expect(first.type).toBe('chunk');
    expect(posted[0].transfer).toHaveLength(1);
    expect(posted[0].transfer[0]).toBe(first.type === 'chunk' ? first.samples.buffer : undefined);
    run.grant(3);
    await settle();
    expect(state.produced).toBe(RUN_AHEAD_CHUNKS + 3);
    run.grant(100);
    await finished;
    expect(posted.at(-1)?.message).toEqual({ type: 'done', id: 1 });
    expect(posted.filter(({ message }) => message.type === 'chunk')).toHaveLength(10);
  });

  it('stops the engine on abort and reports the run aborted once it has stopped', async () => {
    const { engine, state } = countingEngine(10);
    const posted: WorkerToMainMessage[] = [];
    const run = new WorkerSynthesisRun(2, input, engine, (message) => posted.push(message));
    const finished = run.run();
    await settle();
    run.abort();
    await finished;
    expect(state.signal?.aborted).toBe(true);
    expect(state.closed).toBe(true);
    expect(state.produced).toBe(RUN_AHEAD_CHUNKS);
    expect(posted.at(-1)).toMatchObject({ type: 'failed', id: 2, error: { kind: 'aborted' } });
  });
});
