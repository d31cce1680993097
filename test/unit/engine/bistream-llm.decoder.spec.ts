import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  BistreamLlmDecoder,
  UtteranceTooLongError,
  type BistreamLlmRequest,
} from '../../../src/inference/cosyvoice2/llm/bistream-llm.decoder.js';
import { LlmHead } from '../../../src/inference/cosyvoice2/llm/llm-head.js';
import { SeededRandom } from '../../../src/inference/cosyvoice2/runtime/seeded-random.js';
import { SessionTimer } from '../../../src/inference/cosyvoice2/runtime/session-timer.js';
import { SpeechTokenSampler } from '../../../src/inference/cosyvoice2/llm/speech-token.sampler.js';
import {
  EOS,
  FILL,
  HIDDEN,
  KV_HEADS,
  HEAD_DIM,
  LAYERS,
  LLM_OUTPUT_NAMES,
  VOCAB,
  fakeEmbedTokens,
  llmOutputs,
  table,
} from './fake-llm-graph.js';

/**
 * What one LLM run was fed, row by row: `sos`, `task`, `t<id>` (text id), `s<token>` (speech
 * embedding row), and the number of positions already in the caches it received.
 */
interface Run {
  rows: string[];
  past: number;
  maskDims: readonly number[];
}

/** The embedding stand-ins: sos = -1, task_id = -2, text id → id / 1000, speech row r → r. */
function label(value: number): string {
  if (value === -1) return 'sos';
  if (value === -2) return 'task';
  if (Number.isInteger(value)) return `s${value}`;
  return `t${Math.round(value * 1000)}`;
}

/** A stand-in LLM graph that records its inputs; the scripted sampler decides the outputs. */
function fakeLlm(runs: Run[]): InferenceSession {
  const session = {
    inputNames: ['xs', 'masks'],
    outputNames: LLM_OUTPUT_NAMES,
    run(feeds: Record<string, Tensor>) {
      const { xs, masks, ...caches } = feeds;
      const length = xs.dims[1];
      const data = xs.data as Float32Array;
      const rows = Array.from({ length }, (_, r) => label(data[r * HIDDEN]));
      runs.push({ rows, past: caches.key_cache0.dims[2], maskDims: masks.dims });
      return Promise.resolve(llmOutputs(new Float32Array(length * HIDDEN), length, caches));
    },
  };
  return session as unknown as InferenceSession;
}

interface SampleCall {
  ignoreEos: boolean;
  outputs: number[];
}

/** A sampler whose choice is scripted from the outputs so far; it records every call. */
class ScriptedSampler extends SpeechTokenSampler {
  readonly calls: SampleCall[] = [];

  constructor(private readonly choose: (call: SampleCall) => number) {
    super(new SeededRandom(1));
  }

  override sample(_logProbs: Float32Array, decoded: readonly number[], ignoreEos: boolean): number {
    const call = { ignoreEos, outputs: [...decoded] };
    this.calls.push(call);
    return this.choose(call);
  }
}

/** Distinct speech tokens (2000 + output index) while text arrives; EOS after `tail` at the end. */
function speakThenStop(tail: number): (call: SampleCall) => number {
  let endCalls = 0;
  return ({ ignoreEos, outputs }) => {
    if (ignoreEos) return 2000 + outputs.length;
    endCalls++;
    return endCalls > tail ? EOS : 3000 + endCalls;
  };
}

async function bistream() {
  const runs: Run[] = [];
  const head = await LlmHead.create(
    table(VOCAB, HIDDEN, () => 0),
    new Float32Array(VOCAB),
    { executionProviders: ['cpu'], intraOpNumThreads: 1 },
  );
  const decoder = new BistreamLlmDecoder({
    llm: fakeLlm(runs),
    embedTokens: fakeEmbedTokens,
    embedTokensIdType: 'int32',
    speechEmbedding: table(VOCAB, HIDDEN, (row) => row),
    llmEmbedding: table(2, HIDDEN, (row) => -1 - row),
    head,
    layers: LAYERS,
    kvHeads: KV_HEADS,
    headDim: HEAD_DIM,
  });
  return { decoder, runs };
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const text = (ids: number[]) => ids.map((id) => `t${id}`);
const speech = (ids: number[]) => ids.map((id) => `s${id}`);

/** Text pieces (as id arrays) that record how many were handed out. */
function pieces(list: number[][], pulled: { count: number } = { count: 0 }) {
  return (async function* () {
    for (const piece of list) {
      pulled.count++;
      yield Int32Array.from(piece);
    }
  })();
}

function request(
  sampler: SpeechTokenSampler,
  overrides: Partial<BistreamLlmRequest>,
): BistreamLlmRequest {
  return {
    promptTextIds: new Int32Array(0),
    promptSpeechTokens: new Int32Array(0),
    textPieces: pieces([]),
    maxSpeechTokens: 100_000,
    sampler,
    timer: new SessionTimer(),
    ...overrides,
  };
}

async function collect(tokens: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const token of tokens) out.push(token);
  return out;
}

describe('BistreamLlmDecoder (official inference_bistream schedule)', () => {
  it('interleaves 5 text : 15 prompt speech, then decodes with fills forced at (P//15+1)*15-P and every 16', async () => {
    const { decoder, runs } = await bistream();
    const sampler = new ScriptedSampler(speakThenStop(2));
    const promptSpeech = range(1000, 1019); // P = 20 → first forced fill after 10 outputs
    const tokens = await collect(
      decoder.generate(
        request(sampler, {
          promptTextIds: Int32Array.of(1, 2, 3),
          promptSpeechTokens: Int32Array.from(promptSpeech),
          textPieces: pieces([[4, 5], range(6, 9), range(10, 16)]),
        }),
      ),
    );
    // The first decode starts once both prompt-speech groups are in: at text token 10.
    expect(runs[0].rows).toEqual([
      'sos',
      ...text(range(1, 5)),
      ...speech(range(1000, 1014)),
      ...text(range(6, 10)),
      ...speech(range(1015, 1019)),
    ]);
    expect(runs[0].past).toBe(0);
    expect(runs[0].maskDims).toEqual([1, 31, 31]);
    // 10 sampled tokens, each fed back, then the forced fill (not sampled, not fed back).
    expect(runs.slice(1, 11).map((r) => r.rows)).toEqual(range(2000, 2009).map((t) => [`s${t}`]));
    // After the fill, decoding waits for 5 new text tokens (11..15), which replace the input.
    expect(runs[11].rows).toEqual(text(range(11, 15)));
    expect(runs[11].past).toBe(41);
    expect(runs[11].maskDims).toEqual([1, 5, 5]);
    // Then 15 sampled tokens and the next forced fill at output 26 (= 10 + 16).
    expect(runs.slice(12, 27).map((r) => r.rows)).toEqual(range(2011, 2025).map((t) => [`s${t}`]));
    // End of text: the rest of the text cache and task_id, then decoding until EOS.
    expect(runs[27].rows).toEqual(['t16', 'task']);
    expect(runs.length).toBe(30);
    expect(tokens).toEqual([...range(2000, 2009), ...range(2011, 2025), 3001, 3002]);
    // EOS is masked while text arrives and allowed at the end; forced fills draw nothing.
    expect(sampler.calls.map((c) => c.ignoreEos)).toEqual([
      ...Array<boolean>(25).fill(true),
      ...Array<boolean>(3).fill(false),
    ]);
    // The sampler sees every output so far, fills included, as the official out_tokens.
    expect(sampler.calls[10].outputs.at(-1)).toBe(FILL);
    expect(sampler.calls.at(-1)!.outputs.filter((t) => t === FILL).length).toBe(2);
  });

  it('without prompt speech (cross-lingual, instruct2) waits for 5 text tokens and fills every 16 outputs from 15', async () => {
    const { decoder, runs } = await bistream();
    const sampler = new ScriptedSampler(speakThenStop(0));
    const tokens = await collect(
      decoder.generate(
        request(sampler, { textPieces: pieces([range(1, 3), range(4, 7), range(8, 10)]) }),
      ),
    );
    expect(runs[0].rows).toEqual(['sos', ...text(range(1, 5))]);
    // Outputs 0..14 sampled, fill forced at 15; text 6..10 then outputs 16..30, fill at 31.
    expect(runs[16].rows).toEqual(text(range(6, 10)));
    expect(tokens).toEqual([...range(2000, 2014), ...range(2016, 2030)]);
    // End of text with nothing cached: task_id alone, EOS at once.
    expect(runs.at(-1)!.rows).toEqual(['task']);
  });

  it('a sampled fill token stops decoding until 5 more text tokens arrive; the next fill is 16 outputs later', async () => {
    const { decoder, runs } = await bistream();
    const sampler = new ScriptedSampler((call) =>
      call.outputs.length === 2 ? FILL : speakThenStop(0)(call),
    );
    const pulled = { count: 0 };
    const generation = decoder.generate(
      request(sampler, {
        promptTextIds: Int32Array.of(1, 2),
        textPieces: pieces([range(3, 7), [8, 9], [10], range(11, 20)], pulled),
      }),
    );
    const tokens: number[] = [];
    const piecesPulledAt: number[] = [];
    for await (const token of generation) {
      tokens.push(token);
      piecesPulledAt.push(pulled.count);
    }
    expect(runs[0].rows).toEqual(['sos', ...text(range(1, 5))]);
    // Two tokens, then the fill: nothing more until text 6..10 are cached (piece 3 arrived).
    expect(tokens.slice(0, 2)).toEqual([2000, 2001]);
    expect(piecesPulledAt.slice(0, 3)).toEqual([1, 1, 3]);
    expect(runs[3].rows).toEqual(text(range(6, 10)));
    // Outputs 3..17 sampled, then the fill forced at 18 = 2 + 16.
    expect(tokens.slice(2, 17)).toEqual(range(2003, 2017));
    expect(runs[19].rows).toEqual(text(range(11, 15)));
    expect(tokens[17]).toBe(2019);
  });

  it('text that ends before the prompt speech is interleaved puts the rest of both after task_id', async () => {
    const { decoder, runs } = await bistream();
    const sampler = new ScriptedSampler(speakThenStop(1));
    const tokens = await collect(
      decoder.generate(
        request(sampler, {
          promptTextIds: Int32Array.of(1, 2, 3),
          promptSpeechTokens: Int32Array.from(range(1000, 1039)),
          textPieces: pieces([range(4, 9)]),
        }),
      ),
    );
    expect(runs[0].rows).toEqual([
      'sos',
      ...text(range(1, 5)),
      ...speech(range(1000, 1014)),
      ...text(range(6, 9)),
      'task',
      ...speech(range(1015, 1039)),
    ]);
    expect(tokens).toEqual([3001]);
    expect(sampler.calls.every((c) => !c.ignoreEos)).toBe(true);
  });

  it('caps the end of text at 20 x the target text tokens', async () => {
    const { decoder } = await bistream();
    const sampler = new ScriptedSampler(({ outputs }) => 100 + (outputs.length % 50));
    const tokens = await collect(
      decoder.generate(
        request(sampler, { promptTextIds: Int32Array.of(1), textPieces: pieces([[2, 3]]) }),
      ),
    );
    expect(tokens.length).toBe(40);
  });

  it('gives nothing when the pieces hold no text', async () => {
    const { decoder, runs } = await bistream();
    const sampler = new ScriptedSampler(speakThenStop(5));
    const tokens = await collect(
      decoder.generate(request(sampler, { promptTextIds: Int32Array.of(1, 2) })),
    );
    expect(tokens).toEqual([]);
    expect(runs.length).toBe(0);
  });

  it('refuses an utterance longer than maxSpeechTokens after yielding what fits', async () => {
    const { decoder } = await bistream();
    const sampler = new ScriptedSampler(speakThenStop(1000));
    const tokens: number[] = [];
    await expect(
      (async () => {
        for await (const token of decoder.generate(
          request(sampler, { textPieces: pieces([range(1, 10)]), maxSpeechTokens: 20 }),
        )) {
          tokens.push(token);
        }
      })(),
    ).rejects.toThrow(UtteranceTooLongError);
    expect(tokens.length).toBe(20);
  });

  it('checks the abort signal before every LLM step', async () => {
    const { decoder, runs } = await bistream();
    const sampler = new ScriptedSampler(speakThenStop(1000));
    const controller = new AbortController();
    const tokens: number[] = [];
    await expect(
      (async () => {
        for await (const token of decoder.generate(
          request(sampler, { textPieces: pieces([range(1, 10)]), signal: controller.signal }),
        )) {
          tokens.push(token);
          if (tokens.length === 4) controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(runs.length).toBe(4);
  });
});
