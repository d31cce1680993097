import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { LlmDecoder, type LlmRequest } from '../../../src/inference/cosyvoice2/llm/llm-decoder.js';
import { LlmHead } from '../../../src/inference/cosyvoice2/llm/llm-head.js';
import { SeededRandom } from '../../../src/inference/cosyvoice2/runtime/seeded-random.js';
import { SessionTimer } from '../../../src/inference/cosyvoice2/runtime/session-timer.js';
import { SpeechTokenSampler } from '../../../src/inference/cosyvoice2/llm/speech-token.sampler.js';
import {
  EOS,
  FILL,
  HEAD_DIM,
  HIDDEN,
  KV_HEADS,
  LAYERS,
  LLM_OUTPUT_NAMES,
  VOCAB,
  fakeEmbedTokens,
  llmOutputs,
  table,
} from './fake-llm-graph.js';

const TOKEN_A = 100;
const TOKEN_B = 200;

/** Hidden-state "directions": the decoder head maps each one to one token with certainty. */
const PICK: Record<number, number> = { [TOKEN_A]: 0, [TOKEN_B]: 1, [EOS]: 2, [FILL]: 3 };

interface RecordedRun {
  xs: Tensor;
  masks: Tensor;
  caches: Record<string, Tensor>;
}

/** A stand-in LLM graph whose last hidden state selects `script[step]` (then repeats the last). */
function fakeLlm(script: number[]) {
  const runs: RecordedRun[] = [];
  const session = {
    inputNames: ['xs', 'masks'],
    outputNames: LLM_OUTPUT_NAMES,
    run(feeds: Record<string, Tensor>) {
      const { xs, masks, ...caches } = feeds;
      runs.push({ xs, masks, caches });
      const length = xs.dims[1];
      const hidden = new Float32Array(length * HIDDEN);
      const wanted = script[Math.min(runs.length - 1, script.length - 1)];
      hidden[(length - 1) * HIDDEN + PICK[wanted]] = 60;
      return Promise.resolve(llmOutputs(hidden, length, caches));
    },
  };
  return { session: session as unknown as InferenceSession, runs };
}

async function decoder(script: number[]) {
  const llm = fakeLlm(script);
  const head = await LlmHead.create(
    table(VOCAB, HIDDEN, (row, col) => (PICK[row] === col ? 1 : 0)),
    new Float32Array(VOCAB),
    { executionProviders: ['cpu'], intraOpNumThreads: 1 },
  );
  return {
    runs: llm.runs,
    decoder: new LlmDecoder({
      llm: llm.session,
      embedTokens: fakeEmbedTokens,
      embedTokensIdType: 'int32',
      speechEmbedding: table(VOCAB, HIDDEN, (row, col) => row + col / 10),
      llmEmbedding: table(2, HIDDEN, (row) => -1 - row),
      head,
      layers: LAYERS,
      kvHeads: KV_HEADS,
      headDim: HEAD_DIM,
    }),
  };
}

function request(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    textIds: Int32Array.of(5, 6),
    targetTextTokens: 1,
    promptSpeechTokens: Int32Array.of(7, 8, 9),
    sampler: new SpeechTokenSampler(new SeededRandom(1)),
    timer: new SessionTimer(),
    ...overrides,
  };
}

async function generate(dec: LlmDecoder, req: LlmRequest): Promise<number[]> {
  const tokens: number[] = [];
  for await (const token of dec.generate(req)) tokens.push(token);
  return tokens;
}

describe('LlmDecoder', () => {
  it('prefills [sos, text, task_id, prompt speech] with a causal mask and empty caches', async () => {
    const { decoder: dec, runs } = await decoder([TOKEN_A, EOS]);
    await generate(dec, request());
    const { xs, masks, caches } = runs[0];
    expect(xs.dims).toEqual([1, 7, HIDDEN]);
    const rows = Array.from(
      { length: 7 },
      (_, r) => Array.from((xs.data as Float32Array).subarray(r * HIDDEN, r * HIDDEN + 1))[0],
    );
    // sos = -1, text ids 5 and 6 = 0.005/0.006, task_id = -2, speech rows 7, 8, 9.
    expect(rows).toEqual([-1, 0.005, 0.006, -2, 7, 8, 9].map((v) => Math.fround(v)));
    expect(masks.type).toBe('bool');
    expect(masks.dims).toEqual([1, 7, 7]);
    const mask = masks.data as Uint8Array;
    expect(Array.from(mask.subarray(0, 7))).toEqual([1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(mask.subarray(42, 49))).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(Object.keys(caches).sort()).toEqual([
      'key_cache0',
      'key_cache1',
      'value_cache0',
      'value_cache1',
    ]);
    expect(caches.key_cache0.dims).toEqual([1, KV_HEADS, 0, HEAD_DIM]);
  });

  it('feeds back speech_embedding[token] with the caches the previous step returned', async () => {
    const { decoder: dec, runs } = await decoder([TOKEN_A, TOKEN_B, EOS]);
    const tokens = await generate(dec, request());
    expect(tokens).toEqual([TOKEN_A, TOKEN_B]);
    expect(runs.length).toBe(3);
    expect(runs[1].xs.dims).toEqual([1, 1, HIDDEN]);
    expect(Array.from(runs[1].xs.data as Float32Array)).toEqual(
      [TOKEN_A, TOKEN_A + 0.1, TOKEN_A + 0.2, TOKEN_A + 0.3].map((v) => Math.fround(v)),
    );
    expect(runs[1].masks.dims).toEqual([1, 1, 1]);
    expect(runs[1].caches.key_cache1.dims).toEqual([1, KV_HEADS, 7, HEAD_DIM]);
    expect(runs[2].caches.value_cache0.dims).toEqual([1, KV_HEADS, 8, HEAD_DIM]);
  });

  it('masks EOS for the first 2 x text tokens, then stops on it', async () => {
    const { decoder: dec } = await decoder([EOS]);
    const tokens = await generate(dec, request({ targetTextTokens: 3 }));
    expect(tokens.length).toBe(6);
    expect(tokens).not.toContain(EOS);
  });

  it('stops on the fill token even below the minimum length', async () => {
    const { decoder: dec } = await decoder([TOKEN_A, FILL]);
    expect(await generate(dec, request({ targetTextTokens: 5 }))).toEqual([TOKEN_A]);
  });

  it('stops after 20 x text tokens', async () => {
    const { decoder: dec } = await decoder([TOKEN_A, TOKEN_B]);
    const tokens = await generate(dec, request({ targetTextTokens: 2 }));
    expect(tokens.length).toBe(40);
  });

  it('checks the abort signal before every step', async () => {
    const { decoder: dec, runs } = await decoder([TOKEN_A, TOKEN_B]);
    const controller = new AbortController();
    const tokens: number[] = [];
    await expect(
      (async () => {
        for await (const token of dec.generate(request({ signal: controller.signal }))) {
          tokens.push(token);
          if (tokens.length === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(runs.length).toBe(3);
  });
});
