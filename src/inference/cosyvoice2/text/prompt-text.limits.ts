import { InputRejectedError } from '../../inference.provider.js';
import {
  MAX_PROMPT_SECONDS,
  MAX_TOKEN_TEXT_RATIO,
  SPEECH_TOKENS_PER_SECOND,
  TOKEN_MEL_RATIO,
} from '../cosyvoice2.constants.js';
import { FLOW_NOISE_FRAMES } from '../flow/flow-noise.js';

/**
 * Most BPE tokens of the text placed before the target text in one LLM prompt: the instruction
 * (with `<|endofprompt|>`) or the voice's normalised transcript. The prompt is prefilled at once,
 * so its cost grows with the square of its length; 1000 tokens is far more than a 30 s
 * transcript or an instruction needs.
 */
export const MAX_PROMPT_TEXT_TOKENS = 1000;

/**
 * Most BPE tokens of the text of one utterance (one LLM run). The LLM may emit up to
 * MAX_TOKEN_TEXT_RATIO speech tokens per text token, and those, after a prompt of up to 30 s,
 * must fit the 300 s flow noise buffer: (7500 − 750) / 20 = 337.
 */
export const MAX_UTTERANCE_TEXT_TOKENS = Math.floor(
  (FLOW_NOISE_FRAMES / TOKEN_MEL_RATIO - MAX_PROMPT_SECONDS * SPEECH_TOKENS_PER_SECOND) /
    MAX_TOKEN_TEXT_RATIO,
);

/**
 * Throws InputRejectedError when the prompt text (`what`: instruct, transcript) is too long;
 * `field` is the request field it came from, if any.
 */
export function checkPromptTextTokens(tokens: number, what: string, field?: string): void {
  if (tokens > MAX_PROMPT_TEXT_TOKENS) {
    throw new InputRejectedError(
      `${what} has ${tokens} tokens; the limit is ${MAX_PROMPT_TEXT_TOKENS} tokens`,
      field,
    );
  }
}

/** Throws InputRejectedError when one utterance's text holds more tokens than it can render. */
export function checkUtteranceTextTokens(tokens: number): void {
  if (tokens > MAX_UTTERANCE_TEXT_TOKENS) {
    throw new InputRejectedError(
      `text spoken as one utterance has ${tokens} tokens; the limit is ` +
        `${MAX_UTTERANCE_TEXT_TOKENS} tokens per utterance`,
      'text',
    );
  }
}
