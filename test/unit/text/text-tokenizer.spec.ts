import { beforeAll, describe, expect, it } from 'vitest';
import {
  COSYVOICE2_ADDED_TOKENS,
  COSYVOICE2_TEXT_VOCAB_SIZE,
  END_OF_PROMPT_TOKEN_ID,
  buildCosyVoice2TokenizerJson,
} from '../../../src/inference/text/cosyvoice2-tokenizer-json.js';
import { TextTokenizer } from '../../../src/inference/text/text-tokenizer.js';
import { loadTestTokenizerJson } from '../../support/cosyvoice2-tokenizer.js';

describe('TextTokenizer with the real Qwen2 vocabulary and the CosyVoice2 added tokens', () => {
  let tokenizer: TextTokenizer;

  beforeAll(() => {
    tokenizer = new TextTokenizer(loadTestTokenizerJson());
  });

  it('encodes English with the Qwen2 ids and adds no BOS/EOS', () => {
    expect(Array.from(tokenizer.encode('Hello world'))).toEqual([9707, 1879]);
    expect(tokenizer.count('Hello world')).toBe(2);
  });

  it('encodes the Qwen2 chat template with its well-known ids', () => {
    const text = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n';
    expect(Array.from(tokenizer.encode(text))).toEqual([
      151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198,
    ]);
  });

  it('encodes Chinese with the Qwen2 ids', () => {
    expect(Array.from(tokenizer.encode('你好'))).toEqual([108386]);
    expect(Array.from(tokenizer.encode('用四川话说这句话'))).toEqual([
      11622, 102110, 103101, 106599,
    ]);
  });

  it('applies the Qwen2 split regex (case-insensitive contractions, one token per digit)', () => {
    const ids = Array.from(tokenizer.encode("I'M 2024"));
    expect(ids).toEqual([40, 27603, 220, 17, 15, 17, 19]);
    expect(tokenizer.decode(ids)).toBe("I'M 2024");
  });

  it('maps `<|endofprompt|>` at the end of an instruct text to 151646', () => {
    const ids = Array.from(tokenizer.encode('用四川话说这句话<|endofprompt|>'));
    expect(ids).toEqual([11622, 102110, 103101, 106599, END_OF_PROMPT_TOKEN_ID]);
  });

  it('gives every added token its own single id 151643..151662', () => {
    COSYVOICE2_ADDED_TOKENS.forEach((token, index) => {
      expect(Array.from(tokenizer.encode(token)), token).toEqual([151_643 + index]);
    });
    expect(Array.from(tokenizer.encode('[laughter]'))).toEqual([151_651]);
    expect(Array.from(tokenizer.encode('[mn]'))).toEqual([COSYVOICE2_TEXT_VOCAB_SIZE - 1]);
  });

  it('splits special tokens out of running text', () => {
    const ids = Array.from(tokenizer.encode('他笑了[laughter]然后说<strong>好</strong>。'));
    expect(ids).toContain(151_651);
    expect(ids).toContain(151_648);
    expect(ids).toContain(151_649);
    expect(tokenizer.decode(ids)).toBe('他笑了[laughter]然后说<strong>好</strong>。');
  });

  it('round-trips text through decode unchanged (spaces before punctuation kept)', () => {
    for (const text of ['Hello , world !', '今天天气很好。', 'naïve café — 50%\n\nok']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('normalises to NFC before BPE', () => {
    expect(Array.from(tokenizer.encode('cafe\u0301'))).toEqual(
      Array.from(tokenizer.encode('café')),
    );
  });
});

describe('buildCosyVoice2TokenizerJson', () => {
  it('accepts merges.txt lines with a version header like [a, b] pairs', () => {
    const vocab = { a: 0, b: 1, ab: 2, Ġ: 3 };
    const fromLines = new TextTokenizer(
      buildCosyVoice2TokenizerJson(vocab, ['#version: 0.2', 'a b', '']),
    );
    const fromPairs = new TextTokenizer(buildCosyVoice2TokenizerJson(vocab, [['a', 'b']]));
    expect(Array.from(fromLines.encode('ab'))).toEqual([2]);
    expect(Array.from(fromPairs.encode('ab'))).toEqual([2]);
    expect(Array.from(fromLines.encode('ab<|endofprompt|>'))).toEqual([2, END_OF_PROMPT_TOKEN_ID]);
  });

  it('rejects a vocabulary whose ids collide with the added tokens', () => {
    expect(() => buildCosyVoice2TokenizerJson({ x: 151_646 }, [])).toThrow(/0\.\.151642/);
  });

  it('rejects malformed merge lines', () => {
    expect(() => buildCosyVoice2TokenizerJson({ a: 0 }, ['a b c'])).toThrow(/Malformed/);
  });
});
