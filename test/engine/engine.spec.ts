import { Logger } from '@nestjs/common';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import { LlmDecoder } from '../../src/inference/cosyvoice2/llm/llm-decoder.js';
import { StreamingTokenSchedule } from '../../src/inference/cosyvoice2/token2wav/streaming-token2wav.schedule.js';
import { TokenToWavStream } from '../../src/inference/cosyvoice2/token2wav/token-to-wav.js';
import { VoiceFeatureError } from '../../src/inference/cosyvoice2/voice-feature.extractor.js';
import type {
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../../src/inference/inference.types.js';
import { loadCpuEngine } from '../support/cpu-engine.js';
import { collectSamples, spyOnTokenGenerator } from '../support/engine-spies.js';
import { glidingToneSamples } from '../support/reference-audio-fixtures.js';
import { concatFloat32 } from '../support/signal-measures.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

/** Samples per speech token: 2 mel frames × 480 samples. */
const SAMPLES_PER_TOKEN = 960;
const HOLD_BACK = 3840;
const END_OF_PROMPT_ID = 151646;

const TEXT =
  'The quick brown fox jumps over the lazy dog, and then it runs far away into the green forest.';
/** Long enough (one segment, over 78 speech tokens) for streamed hops of 25 and 50 and a tail. */
const TWO_SENTENCES = `${TEXT} Then the fox sleeps under a big old tree until the sun rises again.`;

/** Sample counts of each streamed chunk for a segment of `tokens` speech tokens. */
function expectedStreamChunks(promptTokens: number, tokens: number): number[] {
  const schedule = new StreamingTokenSchedule(promptTokens);
  const lengths: number[] = [];
  for (let generated = 1; generated <= tokens; generated++) {
    const step = schedule.nextChunk(generated);
    if (!step) continue;
    const frames = step.melEnd - step.melStart;
    lengths.push(frames * 480 + (lengths.length === 0 ? -HOLD_BACK : 0));
  }
  const last = schedule.finalChunk(tokens);
  lengths.push((last.melEnd - last.melStart) * 480 + (lengths.length === 0 ? 0 : HOLD_BACK));
  return lengths;
}

describe('CosyVoice2Engine on the tiny pack', () => {
  let engine: CosyVoice2Engine;
  let voice: VoiceFeatures;

  const input = (overrides: Partial<SynthesisInput>): SynthesisInput => ({
    mode: 'zero_shot',
    text: TEXT,
    promptText: 'This is the reference speaker talking.',
    voice,
    speed: 1,
    stream: false,
    seed: 11,
    ...overrides,
  });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    ({ engine, voice } = await loadCpuEngine(await prepareTinyPack()));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('voice features', () => {
    it('gives a 192-d embedding and 2:1 aligned tokens and prompt mel', () => {
      expect(voice.speakerEmbedding.length).toBe(192);
      // 3 s: 300 Whisper frames -> 75 tokens; 150 Matcha frames -> 75 token pairs.
      expect(voice.speechTokens.length).toBe(75);
      expect(voice.promptMelFrames).toBe(150);
      expect(voice.promptMel.length).toBe(150 * 80);
      expect(voice.speechTokens.every((t) => t >= 0 && t < 6561)).toBe(true);
    });

    it('resamples other rates first (44.1 kHz gives the same counts)', async () => {
      const features = await engine.extractVoiceFeatures({
        samples: glidingToneSamples(44100),
        sampleRate: 44100,
      });
      expect(features.speechTokens.length).toBe(75);
      expect(features.promptMelFrames).toBe(150);
    });

    it('refuses reference audio longer than 30 s', async () => {
      await expect(
        engine.extractVoiceFeatures({ samples: new Float32Array(16000 * 31), sampleRate: 16000 }),
      ).rejects.toThrow(VoiceFeatureError);
    });
  });

  describe('modes (LLM input layout)', () => {
    it('zero-shot puts the prompt text before the text and the prompt speech after task_id', async () => {
      const llm = spyOnTokenGenerator(LlmDecoder);
      const chunks = await collectSamples(engine.synthesize(input({})));
      expect(chunks.length).toBe(1);
      const [request] = llm.requests;
      expect(Array.from(request.promptSpeechTokens)).toEqual(Array.from(voice.speechTokens));
      expect(request.textIds.length).toBeGreaterThan(request.targetTextTokens);
    });

    it('cross-lingual drops the prompt text and the prompt speech tokens', async () => {
      const llm = spyOnTokenGenerator(LlmDecoder);
      const chunks = await collectSamples(engine.synthesize(input({ mode: 'cross_lingual' })));
      expect(chunks.length).toBe(1);
      const [request] = llm.requests;
      expect(request.promptSpeechTokens.length).toBe(0);
      expect(request.textIds.length).toBe(request.targetTextTokens);
    });

    it('instruct2 uses the instruction + <|endofprompt|> as prompt text, without prompt speech', async () => {
      const llm = spyOnTokenGenerator(LlmDecoder);
      await collectSamples(
        engine.synthesize(input({ mode: 'instruct2', instruct: 'Speak slowly and calmly.' })),
      );
      await collectSamples(
        engine.synthesize(
          input({
            mode: 'instruct2',
            instruct: 'Speak slowly and calmly.<|endofprompt|>',
          }),
        ),
      );
      const [appended, given] = llm.requests;
      expect(Array.from(appended.textIds)).toEqual(Array.from(given.textIds));
      const promptLength = appended.textIds.length - appended.targetTextTokens;
      expect(appended.textIds[promptLength - 1]).toBe(END_OF_PROMPT_ID);
      expect(appended.textIds.filter((id) => id === END_OF_PROMPT_ID).length).toBe(1);
      expect(appended.promptSpeechTokens.length).toBe(0);
    });
  });

  describe('lengths', () => {
    it('whole synthesis yields 960 samples per speech token, within the 2x..20x limits', async () => {
      const llm = spyOnTokenGenerator(LlmDecoder);
      const [samples] = await collectSamples(engine.synthesize(input({})));
      const [tokens] = llm.tokenCounts;
      const target = llm.requests[0].targetTextTokens;
      expect(tokens).toBeGreaterThanOrEqual(2 * target);
      expect(tokens).toBeLessThanOrEqual(20 * target);
      expect(samples.length).toBe(tokens * SAMPLES_PER_TOKEN);
      expect(samples.every((s) => Math.abs(s) <= 0.99)).toBe(true);
    });

    it('streaming yields the scheduled chunks (first after 25 tokens + look-ahead, held back 3840)', async () => {
      const llm = spyOnTokenGenerator(LlmDecoder);
      const chunks = await collectSamples(
        engine.synthesize(input({ text: TWO_SENTENCES, stream: true })),
      );
      expect(llm.requests.length).toBe(1);
      const [tokens] = llm.tokenCounts;
      expect(tokens).toBeGreaterThan(25 + 50 + 3); // long enough for hops 25 and 50 and a tail
      expect(chunks.length).toBe(3);
      const lengths = chunks.map((c) => c.length);
      expect(lengths).toEqual(expectedStreamChunks(voice.speechTokens.length, tokens));
      expect(lengths[0]).toBe(25 * SAMPLES_PER_TOKEN - HOLD_BACK);
      expect(lengths.reduce((a, b) => a + b, 0)).toBe(tokens * SAMPLES_PER_TOKEN);
    });

    it('streaming matches whole synthesis outside the 3840-sample cross-fade zones', async () => {
      const whole = concatFloat32(
        await collectSamples(engine.synthesize(input({ text: TWO_SENTENCES }))),
      );
      const streamedChunks = await collectSamples(
        engine.synthesize(input({ text: TWO_SENTENCES, stream: true })),
      );
      expect(streamedChunks.length).toBe(3);
      const streamed = concatFloat32(streamedChunks);
      expect(streamed.length).toBe(whole.length);
      const inFade = new Uint8Array(whole.length);
      let boundary = 0;
      for (const chunk of streamedChunks.slice(0, -1)) {
        boundary += chunk.length;
        inFade.fill(1, boundary, boundary + HOLD_BACK);
      }
      let maxOutside = 0;
      for (let i = 0; i < whole.length; i++) {
        if (!inFade[i]) maxOutside = Math.max(maxOutside, Math.abs(whole[i] - streamed[i]));
      }
      expect(maxOutside).toBeLessThan(1e-4);
    });

    it('one chunk per text segment when not streaming', async () => {
      const llm = spyOnTokenGenerator(LlmDecoder);
      const long = Array.from({ length: 6 }, () => TEXT).join(' ');
      const chunks = await collectSamples(engine.synthesize(input({ text: long })));
      expect(llm.requests.length).toBeGreaterThan(1);
      expect(chunks.length).toBe(llm.requests.length);
      chunks.forEach((c, i) => expect(c.length).toBe(llm.tokenCounts[i] * SAMPLES_PER_TOKEN));
    });
  });

  it('keeps the LLM generating while a streamed chunk goes through the flow and HiFT', async () => {
    const llm = spyOnTokenGenerator(LlmDecoder);
    const chunkStart = TokenToWavStream.prototype.chunk;
    const progress: { before: number; after: number }[] = [];
    vi.spyOn(TokenToWavStream.prototype, 'chunk').mockImplementation(async function (
      this: TokenToWavStream,
      ...args: Parameters<TokenToWavStream['chunk']>
    ) {
      const before = llm.produced;
      const samples = await chunkStart.apply(this, args);
      progress.push({ before, after: llm.produced });
      return samples;
    });
    await collectSamples(engine.synthesize(input({ text: TWO_SENTENCES, stream: true })));
    expect(progress.length).toBe(3);
    expect(progress[0].after).toBeGreaterThan(progress[0].before);
  });

  describe('seeds', () => {
    it('reproduces a synthesis bit for bit with the same seed, and differs with another', async () => {
      const first = concatFloat32(
        await collectSamples(engine.synthesize(input({ seed: 5, stream: true }))),
      );
      const again = concatFloat32(
        await collectSamples(engine.synthesize(input({ seed: 5, stream: true }))),
      );
      const other = concatFloat32(
        await collectSamples(engine.synthesize(input({ seed: 6, stream: true }))),
      );
      expect(Buffer.from(again.buffer).equals(Buffer.from(first.buffer))).toBe(true);
      expect(
        other.length === first.length &&
          Buffer.from(other.buffer).equals(Buffer.from(first.buffer)),
      ).toBe(false);
    });
  });

  it('gives the same audio to concurrent requests as to sequential ones', async () => {
    const request = () =>
      collectSamples(engine.synthesize(input({ text: TWO_SENTENCES, stream: true, seed: 21 })));
    const alone = concatFloat32(await request());
    const [first, second] = await Promise.all([request(), request()]);
    expect(Buffer.from(concatFloat32(first).buffer).equals(Buffer.from(alone.buffer))).toBe(true);
    expect(Buffer.from(concatFloat32(second).buffer).equals(Buffer.from(alone.buffer))).toBe(true);
  });

  describe('speed', () => {
    it.each([0.5, 1.5, 2])(
      'whole synthesis at speed %f has floor(frames / speed) frames',
      async (speed) => {
        const llm = spyOnTokenGenerator(LlmDecoder);
        const [samples] = await collectSamples(engine.synthesize(input({ speed })));
        const frames = 2 * llm.tokenCounts[0];
        expect(samples.length).toBe(Math.floor(frames / speed) * 480);
      },
    );

    it.each([0.5, 1.5])(
      'streaming at speed %f has the same length as whole synthesis',
      async (speed) => {
        const llm = spyOnTokenGenerator(LlmDecoder);
        const streamed = concatFloat32(
          await collectSamples(engine.synthesize(input({ speed, stream: true }))),
        );
        const frames = 2 * llm.tokenCounts[0];
        expect(streamed.length).toBe(Math.floor(frames / speed) * 480);
      },
    );
  });

  describe('text in pieces', () => {
    it('synthesises each sentence as soon as it is complete', async () => {
      let release: () => void = () => undefined;
      const secondPieceAllowed = new Promise<void>((resolve) => (release = resolve));
      let secondPieceSent = false;
      async function* pieces(): AsyncGenerator<string> {
        yield 'The quick brown fox jumps over ';
        yield 'the lazy dog and runs far away. ';
        await secondPieceAllowed;
        secondPieceSent = true;
        yield 'Then it sleeps under a big old tree.';
      }
      const chunks: Float32Array[] = [];
      for await (const chunk of engine.synthesize(input({ text: pieces() }))) {
        if (chunks.length === 0) {
          expect(secondPieceSent).toBe(false);
          release();
        }
        chunks.push(chunk.samples);
      }
      expect(chunks.length).toBe(2);
    });
  });

  describe('cancellation', () => {
    it('stops between LLM steps and yields nothing after the abort', async () => {
      const controller = new AbortController();
      const llm = spyOnTokenGenerator(LlmDecoder, (produced) => {
        if (produced === 10) controller.abort();
      });
      const received: SpeechChunk[] = [];
      await expect(
        (async () => {
          for await (const chunk of engine.synthesize(
            input({ stream: true, signal: controller.signal }),
          )) {
            received.push(chunk);
          }
        })(),
      ).rejects.toThrow(/abort/i);
      expect(received.length).toBe(0);
      expect(llm.produced).toBe(10);
    });

    it('stops after a streamed chunk when aborted by the consumer', async () => {
      const controller = new AbortController();
      const received: SpeechChunk[] = [];
      await expect(
        (async () => {
          for await (const chunk of engine.synthesize(
            input({ stream: true, signal: controller.signal }),
          )) {
            received.push(chunk);
            controller.abort();
          }
        })(),
      ).rejects.toThrow(/abort/i);
      expect(received.length).toBe(1);
    });

    it('stops the LLM when the consumer stops reading', async () => {
      const llm = spyOnTokenGenerator(LlmDecoder);
      for await (const chunk of engine.synthesize(input({ text: TWO_SENTENCES, stream: true }))) {
        expect(chunk.samples.length).toBeGreaterThan(0);
        break;
      }
      const atStop = llm.produced;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(llm.produced).toBe(atStop);
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
});
