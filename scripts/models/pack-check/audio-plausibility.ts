import type { CheckSynthesisResult } from './check-synthesis.js';

/**
 * A problem found in a check synthesis. `speech` problems are judged only on a real pack (a test
 * pack's audio is not speech, so its levels, lengths and token patterns mean nothing); the others
 * (no audio, NaN/Inf) are faults on any pack.
 */
export interface CheckProblem {
  kind: 'fault' | 'speech';
  message: string;
}

/** Below this RMS the audio is taken for silence (real CosyVoice2 speech is around −20 dBFS). */
export const SILENCE_RMS_DBFS = -40;
/** More than this share of samples at the ±0.99 limit is clipping. */
export const CLIPPED_SHARE = 0.001;
/** One speech token id making up more than this share of an utterance, or a run this long. */
export const STUCK_TOKEN_SHARE = 0.5;
export const STUCK_TOKEN_RUN = 10;
/** Accepted audio length around the length the text implies. */
export const LENGTH_RANGE = { min: 0.4, max: 2.5 } as const;

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/gu;
const LATIN_WORD = /[A-Za-z\u00c0-\u024f0-9']+/gu;

/** Seconds a speaker needs for `text`: about 4 CJK characters or 2.7 Latin-script words a second. */
export function expectedSpeechSeconds(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  const words = text.replace(CJK, ' ').match(LATIN_WORD)?.length ?? 0;
  return cjk / 4 + words / 2.7;
}

export function dbfs(level: number): number {
  return level > 0 ? 20 * Math.log10(level) : -Infinity;
}

/** Everything implausible about one check synthesis. */
export function judgeCheckSynthesis(result: CheckSynthesisResult): CheckProblem[] {
  const problems: CheckProblem[] = [];
  if (result.nonFiniteSamples > 0) {
    problems.push({
      kind: 'fault',
      message: `${result.nonFiniteSamples} audio samples are NaN or Inf`,
    });
  }
  if (result.audioSeconds === 0) {
    problems.push({ kind: 'fault', message: 'no audio was produced' });
    return problems;
  }
  const rmsDb = dbfs(result.rms);
  if (rmsDb < SILENCE_RMS_DBFS) {
    problems.push({
      kind: 'speech',
      message: `near silence: RMS ${rmsDb.toFixed(1)} dBFS (speech is above ${SILENCE_RMS_DBFS} dBFS)`,
    });
  }
  const samples = Math.round(result.audioSeconds * 24000);
  if (result.clippedSamples > CLIPPED_SHARE * samples) {
    problems.push({
      kind: 'speech',
      message: `clipping: ${result.clippedSamples} samples at the ±0.99 limit`,
    });
  }
  problems.push(...judgeTokens(result.speechTokens));
  const expected = expectedSpeechSeconds(result.utterance.text);
  const ratio = result.audioSeconds / expected;
  if (ratio < LENGTH_RANGE.min || ratio > LENGTH_RANGE.max) {
    problems.push({
      kind: 'speech',
      message:
        `length: ${result.audioSeconds.toFixed(2)} s of audio where the text implies about ` +
        `${expected.toFixed(1)} s (accepted ${LENGTH_RANGE.min}–${LENGTH_RANGE.max}×)`,
    });
  }
  return problems;
}

function judgeTokens(tokens: readonly number[]): CheckProblem[] {
  if (tokens.length === 0) return [];
  const counts = new Map<number, number>();
  let longestRun = 0;
  let run = 0;
  tokens.forEach((token, index) => {
    counts.set(token, (counts.get(token) ?? 0) + 1);
    run = index > 0 && tokens[index - 1] === token ? run + 1 : 1;
    longestRun = Math.max(longestRun, run);
  });
  const [topId, topCount] = [...counts].reduce((best, entry) =>
    entry[1] > best[1] ? entry : best,
  );
  const problems: CheckProblem[] = [];
  if (topCount > STUCK_TOKEN_SHARE * tokens.length) {
    problems.push({
      kind: 'speech',
      message: `stuck tokens: id ${topId} is ${topCount} of ${tokens.length} speech tokens`,
    });
  } else if (longestRun >= STUCK_TOKEN_RUN) {
    problems.push({
      kind: 'speech',
      message: `stuck tokens: one id repeated ${longestRun} times in a row`,
    });
  }
  return problems;
}
