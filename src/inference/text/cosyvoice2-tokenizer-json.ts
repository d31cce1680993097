/**
 * Builds the HuggingFace `tokenizer.json` of CosyVoice2's text tokenizer: the Qwen2 byte-level
 * BPE (`vocab.json` + `merges.txt` of CosyVoice-BlankEN) with Qwen2's three special tokens and
 * the seventeen tokens CosyVoice2 adds (`CosyVoice2Tokenizer` in the official repository).
 * Normalizer, pre-tokenizer, post-processor and decoder settings are those of the published
 * Qwen2 `tokenizer.json`.
 */

/** Number of ids in the Qwen2 BPE vocabulary proper (0..151642); added tokens follow. */
export const QWEN2_BPE_VOCAB_SIZE = 151_643;

/** The added tokens in id order, starting at {@link QWEN2_BPE_VOCAB_SIZE}. */
export const COSYVOICE2_ADDED_TOKENS: readonly string[] = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|endofprompt|>',
  '[breath]',
  '<strong>',
  '</strong>',
  '[noise]',
  '[laughter]',
  '[cough]',
  '[clucking]',
  '[accent]',
  '[quick_breath]',
  '<laughter>',
  '</laughter>',
  '[hissing]',
  '[sigh]',
  '[vocalized-noise]',
  '[lipsmack]',
  '[mn]',
];

/** Id of `<|endofprompt|>`, which ends the instruct text. */
export const END_OF_PROMPT_TOKEN_ID = 151_646;

/** Total text vocabulary of CosyVoice2 (BPE + added tokens). */
export const COSYVOICE2_TEXT_VOCAB_SIZE = QWEN2_BPE_VOCAB_SIZE + COSYVOICE2_ADDED_TOKENS.length;

/** The pre-tokenizer split pattern of Qwen2 (Oniguruma syntax, as in the published file). */
const QWEN2_SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const BYTE_LEVEL_SETTINGS = {
  add_prefix_space: false,
  trim_offsets: false,
  use_regex: false,
} as const;

/**
 * @param vocab `vocab.json` of the Qwen2 BPE: token → id, ids below {@link QWEN2_BPE_VOCAB_SIZE}.
 * @param merges `merges.txt` lines (`"a b"`, a `#version` header and blank lines are skipped) or
 *   pairs as in a recent `tokenizer.json`.
 */
export function buildCosyVoice2TokenizerJson(
  vocab: Record<string, number>,
  merges: string[] | [string, string][],
): object {
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || id < 0 || id >= QWEN2_BPE_VOCAB_SIZE) {
      throw new Error(
        `Vocabulary entry ${JSON.stringify(token)} has id ${id}; the Qwen2 BPE ids are 0..${QWEN2_BPE_VOCAB_SIZE - 1}`,
      );
    }
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: COSYVOICE2_ADDED_TOKENS.map((content, index) => ({
      id: QWEN2_BPE_VOCAB_SIZE + index,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: QWEN2_SPLIT_PATTERN },
          behavior: 'Isolated',
          invert: false,
        },
        { type: 'ByteLevel', ...BYTE_LEVEL_SETTINGS },
      ],
    },
    post_processor: { type: 'ByteLevel', ...BYTE_LEVEL_SETTINGS },
    decoder: { type: 'ByteLevel', ...BYTE_LEVEL_SETTINGS },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: toMergePairs(merges),
    },
  };
}

function toMergePairs(merges: string[] | [string, string][]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const merge of merges) {
    if (Array.isArray(merge)) {
      pairs.push([merge[0], merge[1]]);
      continue;
    }
    if (merge === '' || merge.startsWith('#version')) continue;
    const parts = merge.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new Error(`Malformed BPE merge line ${JSON.stringify(merge)}`);
    }
    pairs.push([parts[0], parts[1]]);
  }
  return pairs;
}
