import { vi } from 'vitest';
import type { InferenceProvider } from '../../src/inference/inference.provider.js';
import type { SpeechChunk, SynthesisInput } from '../../src/inference/inference.types.js';

/** What a spy on a speech-token generator saw; `produced` is live while a synthesis runs. */
export interface TokenGeneratorRecord<Request> {
  requests: Request[];
  /** Speech tokens of each finished run, in order. */
  tokenCounts: number[];
  /** Tokens produced so far over all runs. */
  produced: number;
}

/**
 * Spies on `generate` of an LLM decoder class (the sentence or the bistream decoder) without
 * changing what it yields: records every request, each finished run's token count and the running
 * total; `onToken` sees that total at every token.
 */
export function spyOnTokenGenerator<Request>(
  decoder: { prototype: { generate(request: Request): AsyncGenerator<number> } },
  onToken: (produced: number) => void = () => undefined,
): TokenGeneratorRecord<Request> {
  const original = decoder.prototype.generate;
  const record: TokenGeneratorRecord<Request> = { requests: [], tokenCounts: [], produced: 0 };
  vi.spyOn(decoder.prototype, 'generate').mockImplementation(async function* (
    this: unknown,
    request: Request,
  ) {
    record.requests.push(request);
    let count = 0;
    for await (const token of original.call(this, request)) {
      count++;
      record.produced++;
      onToken(record.produced);
      yield token;
    }
    record.tokenCounts.push(count);
  });
  return record;
}

/** The samples of every chunk of a synthesis, in order. */
export async function collectSamples(chunks: AsyncIterable<SpeechChunk>): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for await (const chunk of chunks) out.push(chunk.samples);
  return out;
}

/** Makes `engine` wait for `gate` before producing anything (its syntheses stay admitted). */
export function holdEngine(engine: InferenceProvider, gate: Promise<void>): void {
  const original = engine.synthesize.bind(engine);
  vi.spyOn(engine, 'synthesize').mockImplementation(async function* (input: SynthesisInput) {
    await gate;
    yield* original(input);
  });
}
