const ONLY_PUNCTUATION_OR_SYMBOLS = /^[\p{P}\p{S}]*$/u;

/** True for text made only of punctuation or symbols (official `is_only_punctuation`). */
export function isOnlyPunctuation(text: string): boolean {
  return ONLY_PUNCTUATION_OR_SYMBOLS.test(text);
}
