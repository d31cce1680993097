import { Logger } from '@nestjs/common';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BistreamLlmDecoder } from '../../src/inference/cosyvoice2/llm/bistream-llm.decoder.js';
import type { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import { LlmDecoder } from '../../src/inference/cosyvoice2/llm/llm-decoder.js';
import type {
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../../src/inference/inference.types.js';
import { collectSamples, spyOnTokenGenerator } from '../support/engine-spies.js';
import { loadCpuEngine } from '../support/cpu-engine.js';
import { concatFloat32 } from '../support/signal-measures.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

/** Samples per speech token: 2 mel frames × 480 samples. */
const SAMPLES_PER_TOKEN = 960;
const END_OF_PROMPT_ID = 151646;

/** Words sent one piece at a time, as a chat model would stream them. */
const WORDS = (
  'The quick brown fox jumps over the lazy dog and then it runs far away into the green ' +
  'forest where the tall old trees stand quietly beside a small river that shines in the ' +
  'morning sun while birds sing their songs above the water'
).split(' ');
const LAST_WORDS = ' and the day begins again.';

/**
 * Pieces of WORDS with `pause` after each; the last piece waits for `allowLast` and records
 * whether it was sent.
 */
function pieces(
  allowLast: Promise<void> = Promise.resolve(),
  pause: (index: number) => Promise<unknown> = () => new Promise(setImmediate),
) {
  const state = { lastSent: false };
  async function* generate(): AsyncGenerator<string> {
    for (const [i, word] of WORDS.entries()) {
      yield i === 0 ? word : ` ${word}`;
      await pause(i);
    }
    await allowLast;
    state.lastSent = true;
    yield LAST_WORDS;
  }
  return { text: generate(), state };
}

describe('CosyVoice2Engine with TEXT_STREAM_MODE=bistream on the tiny pack', () => {
  let engine: CosyVoice2Engine;
  let voice: VoiceFeatures;

  const input = (overrides: Partial<SynthesisInput>): SynthesisInput => ({
    mode: 'zero_shot',
    text: pieces().text,
    promptText: 'This is the reference speaker talking.',
    voice,
    speed: 1,
    stream: true,
    seed: 11,
    ...overrides,
  });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    ({ engine, voice } = await loadCpuEngine(await prepareTinyPack(), 'bistream'));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('streams audio of one utterance before the text has ended (no sentence-level LLM runs)', async () => {
    const bistream = spyOnTokenGenerator(BistreamLlmDecoder);
    const sentenceLlm = vi.spyOn(LlmDecoder.prototype, 'generate');
    let release: () => void = () => undefined;
    const { text, state } = pieces(new Promise<void>((resolve) => (release = resolve)));
    const chunks: Float32Array[] = [];
    let sentAtFirstChunk: boolean | undefined;
    for await (const chunk of engine.synthesize(input({ text }))) {
      if (chunks.length === 0) {
        sentAtFirstChunk = state.lastSent;
        release();
      }
      chunks.push(chunk.samples);
    }
    expect(sentAtFirstChunk).toBe(false);
    expect(chunks.length).toBeGreaterThan(1);
    expect(sentenceLlm).not.toHaveBeenCalled();
    expect(bistream.requests.length).toBe(1);
    expect(Array.from(bistream.requests[0].promptSpeechTokens)).toEqual(
      Array.from(voice.speechTokens),
    );
    // 300 s of flow noise = 7500 tokens, the prompt's included.
    expect(bistream.requests[0].maxSpeechTokens).toBe(7500 - voice.speechTokens.length);
    const samples = concatFloat32(chunks);
    expect(samples.length).toBe(bistream.tokenCounts[0] * SAMPLES_PER_TOKEN);
    expect(samples.every((s) => Math.abs(s) <= 0.99)).toBe(true);
    expect(samples.some((s) => s !== 0)).toBe(true);
  });

  it('keeps string text on the sentence path', async () => {
    const bistream = vi.spyOn(BistreamLlmDecoder.prototype, 'generate');
    const chunks = await collectSamples(
      engine.synthesize(input({ text: 'Hello there, my friend.' })),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(bistream).not.toHaveBeenCalled();
  });

  it('gives the whole utterance as one chunk when not streaming', async () => {
    const bistream = spyOnTokenGenerator(BistreamLlmDecoder);
    const chunks = await collectSamples(
      engine.synthesize(input({ stream: false, mode: 'cross_lingual' })),
    );
    expect(chunks.length).toBe(1);
    expect(bistream.requests[0].promptSpeechTokens.length).toBe(0);
    expect(bistream.requests[0].promptTextIds.length).toBe(0);
    expect(chunks[0].length).toBe(bistream.tokenCounts[0] * SAMPLES_PER_TOKEN);
  });

  it('instruct2 starts the text cache with instruct<|endofprompt|>, without prompt speech', async () => {
    const bistream = spyOnTokenGenerator(BistreamLlmDecoder);
    await collectSamples(
      engine.synthesize(input({ mode: 'instruct2', instruct: 'Speak slowly and calmly.' })),
    );
    const [request] = bistream.requests;
    expect(request.promptSpeechTokens.length).toBe(0);
    expect(request.promptTextIds.at(-1)).toBe(END_OF_PROMPT_ID);
  });

  it('reproduces the audio bit for bit with the same seed, and differs with another', async () => {
    const run = async (seed: number) =>
      concatFloat32(await collectSamples(engine.synthesize(input({ text: pieces().text, seed }))));
    const first = await run(5);
    const again = await run(5);
    const other = await run(6);
    expect(first.length).toBeGreaterThan(0);
    expect(Buffer.from(again.buffer).equals(Buffer.from(first.buffer))).toBe(true);
    expect(
      other.length === first.length && Buffer.from(other.buffer).equals(Buffer.from(first.buffer)),
    ).toBe(false);
  });

  it('gives the same audio whatever the timing of the pieces', async () => {
    const run = async (pause: (index: number) => Promise<unknown>) =>
      concatFloat32(
        await collectSamples(
          engine.synthesize(input({ text: pieces(undefined, pause).text, seed: 8 })),
        ),
      );
    const paced = await run(() => new Promise(setImmediate));
    const burst = await run(() => Promise.resolve());
    const uneven = await run((i) => new Promise((resolve) => setTimeout(resolve, (i % 4) * 5)));
    expect(Buffer.from(burst.buffer).equals(Buffer.from(paced.buffer))).toBe(true);
    expect(Buffer.from(uneven.buffer).equals(Buffer.from(paced.buffer))).toBe(true);
  });

  it('stops after a streamed chunk when aborted, and stops the LLM', async () => {
    const bistream = spyOnTokenGenerator(BistreamLlmDecoder);
    const controller = new AbortController();
    const received: SpeechChunk[] = [];
    await expect(
      (async () => {
        for await (const chunk of engine.synthesize(input({ signal: controller.signal }))) {
          received.push(chunk);
          controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(received.length).toBe(1);
    const atAbort = bistream.produced;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bistream.produced).toBe(atAbort);
    expect(bistream.tokenCounts).toEqual([]);
  });

  it('stops waiting for text pieces that never come', async () => {
    const controller = new AbortController();
    async function* stalled(): AsyncGenerator<string> {
      yield 'Hello';
      await new Promise(() => undefined);
    }
    setTimeout(() => controller.abort(), 50);
    await expect(
      collectSamples(engine.synthesize(input({ text: stalled(), signal: controller.signal }))),
    ).rejects.toThrow(/abort/i);
  });
});
