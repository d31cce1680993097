import { containsChinese } from './language.js';
import { splitIntoSegments } from './sentence-splitter.js';
import { normalizeText, skipsNormalization } from './text-normalizer.js';
import type { TextTokenizer } from './text-tokenizer.js';

/**
 * The text side of CosyVoice2 synthesis (official `CosyVoiceFrontEnd.text_normalize` and
 * `_extract_text_token`): normalisation, splitting into segments, language choice and BPE ids.
 */
export class TextFrontend {
  constructor(private readonly tokenizer: TextTokenizer) {}

  /**
   * Normalises the text to synthesise and splits it into the segments synthesised one after
   * the other (60–80 characters for Chinese, tokens otherwise). Text with inline `<|…|>` tokens
   * is neither normalised nor split. Blank text gives no segment. For text that arrives in
   * pieces, cut it with `IncrementalTextSplitter` and pass each sentence here.
   */
  prepareTargetText(text: string): string[] {
    if (text.trim() === '') return [];
    if (skipsNormalization(text)) return [text];
    const isChinese = containsChinese(text);
    return splitIntoSegments(normalizeText(text), (part) => this.tokenizer.count(part), isChinese);
  }

  /** Normalises the transcript of the reference audio (zero-shot prompt); it is not split. */
  preparePromptText(text: string): string {
    return normalizeText(text);
  }

  /** Number of BPE ids of a prepared text. */
  countTokens(text: string): number {
    return this.tokenizer.count(text);
  }

  /** BPE ids of a prepared text; `<|endofprompt|>` and the other added tokens map to their ids. */
  encode(text: string): Int32Array {
    return this.tokenizer.encode(text);
  }
}
