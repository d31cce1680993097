import { isOnlyPunctuation } from './punctuation.js';

/** Window sizes of the official `split_paragraph` call in `text_normalize`. */
export const SEGMENT_MAX_LENGTH = 80;
export const SEGMENT_MIN_LENGTH = 60;
export const SEGMENT_MERGE_LENGTH = 20;
/**
 * A sentence longer than this (a long run without sentence marks) is cut into pieces of at most
 * SEGMENT_MAX_LENGTH before the windowing, so that no segment outgrows what one utterance can
 * render; the official splitter keeps such a run whole.
 */
export const SENTENCE_CUT_LENGTH = 2 * SEGMENT_MAX_LENGTH;
/** A hard cut looks for its end within this many code points per unit of length. */
const HARD_CUT_WINDOW = 8;
/** A word and the spaces or commas after it: where a long run is cut first. */
const WORD_AND_BREAK = /[^\s，,、]+[\s，,、]*|[\s，,、]+/gu;

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
 * (`countTokens`) otherwise. A sentence over SENTENCE_CUT_LENGTH is first cut at spaces and
 * commas, and a word still too long is cut hard, into pieces of at most SEGMENT_MAX_LENGTH.
 */
export function splitIntoSegments(
  text: string,
  countTokens: (text: string) => number,
  isChinese: boolean,
): string[] {
  if (text === '') return [];
  const measure = isChinese ? countCharacters : countTokens;
  const sentences = splitAfterPunctuation(text, isChinese).flatMap((sentence) =>
    measure(sentence) > SENTENCE_CUT_LENGTH ? cutLongSentence(sentence, measure) : [sentence],
  );

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

/** Cuts a run without sentence marks into pieces of at most SEGMENT_MAX_LENGTH, in order. */
function cutLongSentence(sentence: string, measure: (text: string) => number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const word of sentence.match(WORD_AND_BREAK) ?? []) {
    if (measure(current + word) <= SEGMENT_MAX_LENGTH) {
      current += word;
      continue;
    }
    if (current !== '') pieces.push(current);
    current = word;
    while (measure(current) > SEGMENT_MAX_LENGTH) {
      const head = longestFittingPrefix(current, measure);
      pieces.push(head);
      current = current.slice(head.length);
    }
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

/** The longest prefix (whole code points, at least one) of at most SEGMENT_MAX_LENGTH. */
function longestFittingPrefix(text: string, measure: (text: string) => number): string {
  const points = Array.from(text.slice(0, 2 * HARD_CUT_WINDOW * SEGMENT_MAX_LENGTH)).slice(
    0,
    HARD_CUT_WINDOW * SEGMENT_MAX_LENGTH,
  );
  let low = 1;
  let high = points.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (measure(points.slice(0, middle).join('')) <= SEGMENT_MAX_LENGTH) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return points.slice(0, low).join('');
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
