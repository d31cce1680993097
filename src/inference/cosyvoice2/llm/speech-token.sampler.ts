import { EOS_TOKEN } from '../cosyvoice2.constants.js';
import type { SeededRandom } from '../runtime/seeded-random.js';

/** Repetition Aware Sampling parameters (VALL-E 2), as in the CosyVoice2 yaml. */
export interface RasOptions {
  topP: number;
  topK: number;
  windowSize: number;
  tauR: number;
}

export const COSYVOICE2_RAS: RasOptions = { topP: 0.8, topK: 25, windowSize: 10, tauR: 0.1 };

/** The nucleus: token ids in descending probability (ties: lower id first) and their probabilities. */
export interface NucleusCandidates {
  ids: number[];
  probabilities: number[];
}

/** softmax over float32 scores; -Infinity entries get probability 0. */
export function softmax(scores: Float32Array): Float32Array {
  let max = -Infinity;
  for (const score of scores) {
    if (score > max) max = score;
  }
  const probabilities = new Float32Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const value = Math.exp(scores[i] - max);
    probabilities[i] = value;
    sum += value;
  }
  for (let i = 0; i < probabilities.length; i++) {
    probabilities[i] /= sum;
  }
  return probabilities;
}

/**
 * The `topK` most probable ids, ordered as a stable descending sort would order them
 * (equal probabilities keep ascending id order).
 */
export function topKByProbability(probabilities: Float32Array, topK: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < probabilities.length; id++) {
    const p = probabilities[id];
    if (ids.length === topK && p <= probabilities[ids[topK - 1]]) continue;
    let position = ids.length;
    while (position > 0 && probabilities[ids[position - 1]] < p) position--;
    ids.splice(position, 0, id);
    if (ids.length > topK) ids.pop();
  }
  return ids;
}

/**
 * Official `nucleus_sampling` candidate set: walk the sorted distribution and keep a token while
 * the running (float32) sum is still below `topP` and fewer than `topK` are kept, so the token
 * that crosses `topP` is included.
 */
export function nucleusCandidates(
  probabilities: Float32Array,
  topP: number,
  topK: number,
): NucleusCandidates {
  const threshold = Math.fround(topP);
  const result: NucleusCandidates = { ids: [], probabilities: [] };
  let cumulative = 0;
  for (const id of topKByProbability(probabilities, topK)) {
    if (cumulative >= threshold) break;
    cumulative = Math.fround(cumulative + probabilities[id]);
    result.ids.push(id);
    result.probabilities.push(probabilities[id]);
  }
  return result;
}

/** Draws index i with probability weights[i] / sum(weights). */
export function drawIndex(weights: ArrayLike<number>, random: SeededRandom): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let target = random.nextFloat() * total;
  let lastPositive = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    lastPositive = i;
    target -= weights[i];
    if (target < 0) return i;
  }
  if (lastPositive < 0) {
    throw new Error('cannot sample from an all-zero distribution');
  }
  return lastPositive;
}

/**
 * CosyVoice2 speech-token sampling (`sampling_ids` + `ras_sampling` at ace7c47): EOS is masked to
 * -inf while the minimum length is not reached; a nucleus draw that repeats a token of the recent
 * window is replaced by a draw from the full distribution with that token excluded.
 */
export class SpeechTokenSampler {
  constructor(
    private readonly random: SeededRandom,
    private readonly options: RasOptions = COSYVOICE2_RAS,
    private readonly eosToken: number = EOS_TOKEN,
  ) {}

  /**
   * @param logProbs log-softmax scores over the speech vocabulary (not modified)
   * @param decoded speech tokens generated so far in this utterance
   * @param ignoreEos true while fewer than min_len tokens were generated
   */
  sample(logProbs: Float32Array, decoded: readonly number[], ignoreEos: boolean): number {
    const scores = Float32Array.from(logProbs);
    if (ignoreEos) scores[this.eosToken] = -Infinity;

    const { topP, topK, windowSize, tauR } = this.options;
    const nucleus = nucleusCandidates(softmax(scores), topP, topK);
    const chosen = nucleus.ids[drawIndex(nucleus.probabilities, this.random)];

    let repetitions = 0;
    for (let i = Math.max(0, decoded.length - windowSize); i < decoded.length; i++) {
      if (decoded[i] === chosen) repetitions++;
    }
    if (repetitions < windowSize * tauR) return chosen;

    scores[chosen] = -Infinity;
    return drawIndex(softmax(scores), this.random);
  }
}
