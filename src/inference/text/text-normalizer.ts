import { normalizeChineseText } from './chinese-text-normalizer.js';
import { normalizeEnglishText } from './english-text-normalizer.js';
import { containsChinese } from './language.js';

/**
 * True when the official frontend skips normalisation: the text holds `<|` and `|>` (special
 * tokens written inline by the caller).
 */
export function skipsNormalization(text: string): boolean {
  return text.includes('<|') && text.includes('|>');
}

/**
 * Normalises a text for synthesis without splitting it: Chinese rules when it holds a CJK
 * ideograph, English rules otherwise; full-width digits count as digits. Text with inline
 * `<|…|>` tokens is returned unchanged.
 */
export function normalizeText(text: string): string {
  if (skipsNormalization(text)) return text;
  const trimmed = text
    .trim()
    .replace(/[０-９]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0));
  if (trimmed === '') return '';
  return containsChinese(trimmed) ? normalizeChineseText(trimmed) : normalizeEnglishText(trimmed);
}
