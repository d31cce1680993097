import { describe, expect, it } from 'vitest';
import {
  expectedSpeechSeconds,
  judgeCheckSynthesis,
} from '../../../scripts/models/pack-check/audio-plausibility.js';
import type { CheckSynthesisResult } from '../../../scripts/models/pack-check/check-synthesis.js';

const TEXT = 'Every morning I walk to the station and buy a newspaper.'; // 11 words, ~4.1 s

function result(overrides: Partial<CheckSynthesisResult> = {}): CheckSynthesisResult {
  const tokens = Array.from({ length: 100 }, (_, index) => (index * 37) % 6561);
  return {
    utterance: { mode: 'fast_replication', text: TEXT },
    speechTokens: tokens,
    audioSeconds: 4,
    peak: 0.6,
    rms: 0.1,
    clippedSamples: 0,
    nonFiniteSamples: 0,
    firstAudioSeconds: 0.5,
    rtf: 0.4,
    ...overrides,
  };
}

describe('models:check judges its syntheses', () => {
  it('speech-like numbers pass', () => {
    expect(judgeCheckSynthesis(result())).toEqual([]);
  });

  it('estimates the length a text implies from words and CJK characters', () => {
    expect(expectedSpeechSeconds(TEXT)).toBeCloseTo(11 / 2.7, 5);
    expect(expectedSpeechSeconds('收到好友从远方寄来的生日礼物。')).toBeCloseTo(14 / 4, 5);
  });

  it('flags silence, clipping, stuck tokens and a length far from the text', () => {
    const messages = (overrides: Partial<CheckSynthesisResult>) =>
      judgeCheckSynthesis(result(overrides)).map(
        (problem) => `${problem.kind}: ${problem.message}`,
      );
    expect(messages({ rms: 0.001 })).toEqual([
      'speech: near silence: RMS -60.0 dBFS (speech is above -40 dBFS)',
    ]);
    expect(messages({ clippedSamples: 500 })).toEqual([
      'speech: clipping: 500 samples at the ±0.99 limit',
    ]);
    expect(messages({ speechTokens: [...Array(60).fill(17), ...Array(40).fill(3)] })).toEqual([
      'speech: stuck tokens: id 17 is 60 of 100 speech tokens',
    ]);
    const run = [...Array(45).keys(), ...Array(10).fill(9), ...Array(45).keys()];
    expect(messages({ speechTokens: run })).toEqual([
      'speech: stuck tokens: one id repeated 10 times in a row',
    ]);
    expect(messages({ audioSeconds: 20 })).toEqual([
      'speech: length: 20.00 s of audio where the text implies about 4.1 s (accepted 0.4–2.5×)',
    ]);
  });

  it('NaN/Inf samples and missing audio are faults on any pack', () => {
    expect(judgeCheckSynthesis(result({ nonFiniteSamples: 3 }))).toContainEqual({
      kind: 'fault',
      message: '3 audio samples are NaN or Inf',
    });
    expect(judgeCheckSynthesis(result({ audioSeconds: 0 }))).toEqual([
      { kind: 'fault', message: 'no audio was produced' },
    ]);
  });
});
