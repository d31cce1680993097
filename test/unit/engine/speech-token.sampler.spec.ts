import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/inference/cosyvoice2/runtime/seeded-random.js';
import {
  SpeechTokenSampler,
  drawIndex,
  nucleusCandidates,
  softmax,
  topKByProbability,
} from '../../../src/inference/cosyvoice2/llm/speech-token.sampler.js';

const VOCAB = 6564;
const EOS = 6561;

/** log-probabilities over the full speech vocabulary: the given ids share the mass as stated. */
function logProbs(mass: Record<number, number>): Float32Array {
  const scores = new Float32Array(VOCAB).fill(-Infinity);
  for (const [id, p] of Object.entries(mass)) scores[Number(id)] = Math.log(p);
  return scores;
}

function counts(draw: () => number, times: number): Map<number, number> {
  const result = new Map<number, number>();
  for (let i = 0; i < times; i++) {
    const id = draw();
    result.set(id, (result.get(id) ?? 0) + 1);
  }
  return result;
}

describe('softmax', () => {
  it('normalises log scores and gives -Infinity zero probability', () => {
    const p = softmax(new Float32Array([Math.log(1), Math.log(3), -Infinity]));
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
    expect(p[2]).toBe(0);
  });
});

describe('topKByProbability', () => {
  it('orders by descending probability and keeps ascending ids among equal values', () => {
    const p = new Float32Array([0.1, 0.3, 0.3, 0.2, 0.1]);
    expect(topKByProbability(p, 3)).toEqual([1, 2, 3]);
    expect(topKByProbability(p, 5)).toEqual([1, 2, 3, 0, 4]);
    expect(topKByProbability(new Float32Array([0.25, 0.25, 0.25, 0.25]), 2)).toEqual([0, 1]);
  });
});

describe('nucleusCandidates', () => {
  it('includes the token whose probability crosses top_p', () => {
    // 0.6 < 0.8 so the next token (0.3) is taken; the sum 0.9 then stops the walk.
    const set = nucleusCandidates(new Float32Array([0.1, 0.6, 0.3]), 0.8, 25);
    expect(set.ids).toEqual([1, 2]);
  });

  it('takes a single token when it alone reaches top_p', () => {
    expect(nucleusCandidates(new Float32Array([0.05, 0.9, 0.05]), 0.8, 25).ids).toEqual([1]);
  });

  it('stops at top_k tokens even below top_p', () => {
    const flat = new Float32Array(40).fill(0.025);
    const set = nucleusCandidates(flat, 0.8, 25);
    expect(set.ids).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});

describe('drawIndex', () => {
  it('never draws a zero weight and follows the weights', () => {
    const random = new SeededRandom(7);
    const seen = counts(() => drawIndex([0, 1, 0, 3], random), 4000);
    expect(seen.has(0)).toBe(false);
    expect(seen.has(2)).toBe(false);
    expect((seen.get(3) ?? 0) / 4000).toBeCloseTo(0.75, 1);
  });
});

describe('SpeechTokenSampler (RAS)', () => {
  it('samples inside the nucleus in proportion to the probabilities', () => {
    const sampler = new SpeechTokenSampler(new SeededRandom(1));
    const scores = logProbs({ 10: 0.6, 20: 0.3, 30: 0.1 });
    const seen = counts(() => sampler.sample(scores, [], false), 3000);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([10, 20]);
    expect((seen.get(10) ?? 0) / 3000).toBeCloseTo(0.6 / 0.9, 1);
  });

  it('falls back to the full distribution without the repeated token', () => {
    const sampler = new SpeechTokenSampler(new SeededRandom(2));
    const scores = logProbs({ 10: 0.9, 20: 0.075, 30: 0.025 });
    // 10 is the whole nucleus and appears in the last 10 tokens: it must never be returned.
    const seen = counts(() => sampler.sample(scores, [10, 1, 2], false), 3000);
    expect(seen.has(10)).toBe(false);
    expect((seen.get(20) ?? 0) / 3000).toBeCloseTo(0.75, 1);
    expect((seen.get(30) ?? 0) / 3000).toBeCloseTo(0.25, 1);
  });

  it('only looks at the last 10 decoded tokens for repetitions', () => {
    const sampler = new SpeechTokenSampler(new SeededRandom(3));
    const scores = logProbs({ 10: 0.9, 20: 0.1 });
    const history = [10, ...Array.from({ length: 10 }, (_, i) => 100 + i)];
    for (let i = 0; i < 200; i++) expect(sampler.sample(scores, history, false)).toBe(10);
  });

  it('never returns EOS while below the minimum length, then can', () => {
    const sampler = new SpeechTokenSampler(new SeededRandom(4));
    const scores = logProbs({ [EOS]: 0.95, 5: 0.05 });
    for (let i = 0; i < 500; i++) expect(sampler.sample(scores, [], true)).toBe(5);
    const free = counts(() => sampler.sample(scores, [], false), 500);
    expect(free.get(EOS) ?? 0).toBeGreaterThan(400);
  });

  it('keeps EOS masked in the repetition fallback', () => {
    const sampler = new SpeechTokenSampler(new SeededRandom(5));
    const scores = logProbs({ [EOS]: 0.5, 5: 0.45, 6: 0.05 });
    // EOS masked: 5 holds 0.9 of the rest, is the whole nucleus and is repeated → only 6 remains.
    for (let i = 0; i < 300; i++) expect(sampler.sample(scores, [5], true)).toBe(6);
  });

  it('does not stop on the stop tokens 6562/6563 masking (only 6561 is masked)', () => {
    const sampler = new SpeechTokenSampler(new SeededRandom(6));
    const scores = logProbs({ 6563: 0.99, 5: 0.01 });
    expect(sampler.sample(scores, [], true)).toBe(6563);
  });

  it('reproduces the same tokens from the same seed', () => {
    const scores = logProbs({ 1: 0.3, 2: 0.3, 3: 0.2, 4: 0.2 });
    const run = (seed: number) => {
      const sampler = new SpeechTokenSampler(new SeededRandom(seed));
      const decoded: number[] = [];
      for (let i = 0; i < 50; i++) decoded.push(sampler.sample(scores, decoded, false));
      return decoded;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });
});
