import { isOnlyPunctuation } from './punctuation.js';

export interface IncrementalTextSplitterOptions {
  /** A complete sentence shorter than this (in speech units) waits to be merged with the next. */
  minUnits?: number;
  /** Text longer than this without a sentence mark is cut at its last comma or space. */
  maxUnits?: number;
}

/** Marks that end a sentence even at the very end of the text received so far. */
const CJK_SENTENCE_MARKS = new Set(['。', '！', '？', '；', '：', '…', '\n']);
/** ASCII marks end a sentence only once a space or a non-ASCII character follows ("3.14"). */
const ASCII_SENTENCE_MARKS = new Set(['.', '!', '?', ';', ':']);
/** Characters that stay with the sentence mark before them. */
const TRAILING_MARKS = new Set([
  ...CJK_SENTENCE_MARKS,
  ...ASCII_SENTENCE_MARKS,
  '"',
  "'",
  '”',
  '’',
  '」',
  '』',
  ')',
  '）',
]);
const SOFT_BREAK = /[，,、\s]/;
const CJK_CHARACTER = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/gu;
const OTHER_WORD = /[\p{L}\p{N}]+/gu;

/**
 * Approximate syllables: one per CJK character, two per other word (letters or digits).
 */
export function countSpeechUnits(text: string): number {
  const cjkCharacters = text.match(CJK_CHARACTER)?.length ?? 0;
  const otherWords = text.replace(CJK_CHARACTER, ' ').match(OTHER_WORD)?.length ?? 0;
  return cjkCharacters + 2 * otherWords;
}

/**
 * Cuts text that arrives in pieces (the WebSocket `continue-task` stream) into sentences that
 * can be synthesised at once: each output ends at a sentence mark, very short sentences are
 * merged with the next one, and a long run without marks is cut at a comma. `flush()` returns
 * what is left when the stream ends. Outputs are trimmed and not normalised.
 */
export class IncrementalTextSplitter {
  private readonly minUnits: number;
  private readonly maxUnits: number;
  /** Text received but not yet cut. */
  private buffer = '';
  /** Complete sentences held back because they are too short on their own. */
  private pending = '';

  constructor(options: IncrementalTextSplitterOptions = {}) {
    this.minUnits = options.minUnits ?? 8;
    this.maxUnits = options.maxUnits ?? 80;
  }

  push(piece: string): string[] {
    this.buffer += piece;
    const ready: string[] = [];
    for (
      let end = findSentenceEnd(this.buffer);
      end !== undefined;
      end = findSentenceEnd(this.buffer)
    ) {
      this.pending += this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      if (countSpeechUnits(this.pending) >= this.minUnits) ready.push(this.takePending());
    }
    if (countSpeechUnits(this.pending + this.buffer) > this.maxUnits) {
      const end = findLastSoftBreak(this.buffer);
      if (end !== undefined) {
        this.pending += this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        ready.push(this.takePending());
      }
    }
    return ready.filter((sentence) => sentence !== '');
  }

  flush(): string[] {
    const rest = (this.pending + this.buffer).trim();
    this.pending = '';
    this.buffer = '';
    return rest === '' || isOnlyPunctuation(rest) ? [] : [rest];
  }

  private takePending(): string {
    const sentence = this.pending.trim();
    this.pending = '';
    return sentence;
  }
}

/** Index just after the first complete sentence (its marks and closing quotes), if any. */
function findSentenceEnd(text: string): number | undefined {
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (!CJK_SENTENCE_MARKS.has(char) && !ASCII_SENTENCE_MARKS.has(char)) continue;
    let end = index + 1;
    while (end < text.length && TRAILING_MARKS.has(text[end])) end += 1;
    const marks = text.slice(index, end);
    const endsWithCjkMark = Array.from(marks).some((mark) => CJK_SENTENCE_MARKS.has(mark));
    if (end === text.length) {
      if (endsWithCjkMark) return end;
      return undefined;
    }
    const next = text[end];
    if (endsWithCjkMark || /\s/.test(next) || next.charCodeAt(0) >= 128) return end;
    index = end - 1;
  }
  return undefined;
}

/** Index just after the last comma or space that leaves a non-empty text before it. */
function findLastSoftBreak(text: string): number | undefined {
  for (let index = text.length - 1; index > 0; index -= 1) {
    if (SOFT_BREAK.test(text[index]) && text.slice(0, index).trim() !== '') return index + 1;
  }
  return undefined;
}
