import { isOnlyPunctuation } from './punctuation.js';

/** Window sizes of the official `split_paragraph` call in `text_normalize`. */
export const SEGMENT_MAX_LENGTH = 80;
export const SEGMENT_MIN_LENGTH = 60;
export const SEGMENT_MERGE_LENGTH = 20;

const CHINESE_SENTENCE_PUNCTUATION = new Set([
  '。',
  '？',
  '！',
  '；',
  '：',
  '、',
  '.',
  '?',
  '!',
  ';',
]);
const ENGLISH_SENTENCE_PUNCTUATION = new Set(['.', '?', '!', ';', ':']);
const CLOSING_QUOTES = new Set(['"', '”']);

/**
 * Splits normalised text into the segments that are synthesised one by one, as the official
 * `split_paragraph(token_max_n=80, token_min_n=60, merge_len=20, comma_split=False)` followed by
 * dropping punctuation-only segments. Lengths are characters for Chinese and BPE tokens
 * (`countTokens`) otherwise.
 */
export function splitIntoSegments(
  text: string,
  countTokens: (text: string) => number,
  isChinese: boolean,
): string[] {
  if (text === '') return [];
  const measure = isChinese ? countCharacters : countTokens;
  const sentences = splitAfterPunctuation(text, isChinese);

  const segments: string[] = [];
  let current = '';
  for (const sentence of sentences) {
    if (measure(current + sentence) > SEGMENT_MAX_LENGTH && measure(current) > SEGMENT_MIN_LENGTH) {
      segments.push(current);
      current = '';
    }
    current += sentence;
  }
  if (current.length > 0) {
    if (measure(current) < SEGMENT_MERGE_LENGTH && segments.length > 0) {
      segments[segments.length - 1] += current;
    } else {
      segments.push(current);
    }
  }
  return segments.filter((segment) => !isOnlyPunctuation(segment));
}

/** Characters as Python counts them (code points, not UTF-16 units). */
function countCharacters(text: string): number {
  return Array.from(text).length;
}

/** Cuts after every sentence mark, keeping a closing quote that follows it with the sentence. */
function splitAfterPunctuation(text: string, isChinese: boolean): string[] {
  const punctuation = isChinese ? CHINESE_SENTENCE_PUNCTUATION : ENGLISH_SENTENCE_PUNCTUATION;
  const source = punctuation.has(text[text.length - 1]) ? text : text + (isChinese ? '。' : '.');
  const sentences: string[] = [];
  let start = 0;
  for (let index = 0; index < source.length; index += 1) {
    if (!punctuation.has(source[index])) continue;
    if (index > start) sentences.push(source.slice(start, index + 1));
    if (CLOSING_QUOTES.has(source[index + 1]) && sentences.length > 0) {
      sentences[sentences.length - 1] += source[index + 1];
      start = index + 2;
    } else {
      start = index + 1;
    }
  }
  return sentences;
}
