import { COSYVOICE2_ADDED_TOKENS } from './cosyvoice2-tokenizer-json.js';

/**
 * The added tokens of CosyVoice2 that frame the LLM's prompt (end of text, chat turns, end of
 * the instruction). Written in a text they would end or restart the prompt.
 */
export const PROMPT_STRUCTURE_TOKENS: readonly string[] = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|endofprompt|>',
];

/**
 * The control tokens CosyVoice2 honours inside a text (its tokenizer's added special tokens):
 * breaths, laughter, emphasis (`<strong>…</strong>`, `<laughter>…</laughter>`) and other
 * non-verbal sounds. They reach the model as written.
 */
export const SPEECH_CONTROL_TOKENS: readonly string[] = COSYVOICE2_ADDED_TOKENS.filter(
  (token) => !PROMPT_STRUCTURE_TOKENS.includes(token),
);

/**
 * Characters nobody sees: Unicode format characters (Cf: zero-width space U+200B, zero-width
 * joiners, BOM, soft hyphen, bidi marks …) and control characters (Cc) other than tab, line feed
 * and carriage return.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what it matches
const INVISIBLE = /[\p{Cf}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/gu;

/** A `<|…|>` token as written in a text: the shape of the prompt tokens and of language tags. */
const PROMPT_TOKEN_SHAPE = /<\|[^<>|\s]{1,32}\|>/g;

const CONTROL_TOKEN_PATTERN = new RegExp(
  SPEECH_CONTROL_TOKENS.map((token) => token.replace(/[[\]/|<>-]/g, '\\$&')).join('|'),
  'g',
);

/** Something that is spoken: a letter or a digit of any script. */
const SPEAKABLE = /[\p{L}\p{N}]/u;

/** `text` without its invisible characters (see INVISIBLE). */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** True when `text`, invisible characters left out, holds a letter or digit outside control tokens. */
export function hasSpeakableText(text: string): boolean {
  return SPEAKABLE.test(withoutInvisible(text).replace(CONTROL_TOKEN_PATTERN, ' '));
}

/** The distinct `<|…|>` tokens written in `text` (invisible characters left out), in order. */
export function promptTokensIn(text: string): string[] {
  return [...new Set(withoutInvisible(text).match(PROMPT_TOKEN_SHAPE) ?? [])];
}
