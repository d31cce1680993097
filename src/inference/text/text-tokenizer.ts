import { Tokenizer } from '@huggingface/tokenizers';

/**
 * CosyVoice2's text tokenizer (Qwen2 byte-level BPE plus the added special tokens) running on
 * `@huggingface/tokenizers`. Added special tokens such as `<|endofprompt|>` or `[laughter]` are
 * matched in the text before BPE, and no BOS/EOS is added, as `CosyVoice2Tokenizer.encode` does.
 */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;

  constructor(tokenizerJson: object) {
    this.tokenizer = new Tokenizer(tokenizerJson, { clean_up_tokenization_spaces: false });
  }

  encode(text: string): Int32Array {
    return Int32Array.from(this.tokenizer.encode(text, { add_special_tokens: false }).ids);
  }

  count(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids.length;
  }

  /** Decodes ids back to text, special tokens included, without clean-up of spaces. */
  decode(ids: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(ids), {
      skip_special_tokens: false,
      clean_up_tokenization_spaces: false,
    });
  }
}
