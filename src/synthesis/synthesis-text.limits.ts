import { skipsNormalization } from '../inference/text/text-normalizer.js';

/**
 * Longest `instruct`, in characters. The instruction goes into the LLM prompt in one piece
 * (official examples are a short sentence such as "用四川话说这句话"); the engine also bounds
 * its tokens.
 */
export const MAX_INSTRUCT_LENGTH = 500;

/**
 * Longest text, in characters, that holds inline `<|…|>` tokens: such text is neither
 * normalised nor split (as the official frontend does), so it is spoken as one utterance.
 */
export const MAX_UNSPLIT_TEXT_LENGTH = 300;

/** Characters as Python counts them (code points, not UTF-16 units). */
export function characterCount(text: string): number {
  return [...text].length;
}

/** Why `text` (named `field`) cannot be spoken unsplit, or undefined when it can. */
export function unsplitTextProblem(text: string, field: string): string | undefined {
  if (skipsNormalization(text) && characterCount(text) > MAX_UNSPLIT_TEXT_LENGTH) {
    return (
      `${field} holds inline <|…|> tokens, so it is spoken unsplit as one utterance, and is ` +
      `longer than ${MAX_UNSPLIT_TEXT_LENGTH} characters`
    );
  }
  return undefined;
}
