import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_UTTERANCE_TEXT_TOKENS } from '../../../src/inference/cosyvoice2/text/prompt-text.limits.js';
import { containsChinese } from '../../../src/inference/text/language.js';
import { TextFrontend } from '../../../src/inference/text/text-frontend.js';
import { TextTokenizer } from '../../../src/inference/text/text-tokenizer.js';
import { loadTestTokenizerJson } from '../../support/cosyvoice2-tokenizer.js';

describe('TextFrontend', () => {
  let tokenizer: TextTokenizer;
  let frontend: TextFrontend;

  beforeAll(() => {
    tokenizer = new TextTokenizer(loadTestTokenizerJson());
    frontend = new TextFrontend(tokenizer);
  });

  it('detects Chinese by CJK ideographs', () => {
    expect(containsChinese('Hello 世界')).toBe(true);
    expect(containsChinese('Hello world')).toBe(false);
  });

  it('normalises and splits a Chinese target text', () => {
    expect(frontend.prepareTargetText('今天是2024年5月1日，气温25°C，门票¥12.5')).toEqual([
      '今天是二零二四年五月一日，气温二十五摄氏度，门票十二点五元。',
    ]);
  });

  it('normalises and splits an English target text', () => {
    expect(frontend.prepareTargetText('I paid $12.50 at 10:30')).toEqual([
      'I paid twelve dollars and fifty cents at ten thirty.',
    ]);
  });

  it('splits a long English text into segments measured in tokens', () => {
    const sentence = 'This sentence is repeated to make a long paragraph for the splitter.';
    const segments = frontend.prepareTargetText(Array(12).fill(sentence).join(' '));
    expect(segments.length).toBeGreaterThan(1);
    segments.slice(0, -1).forEach((segment) => {
      expect(tokenizer.count(segment)).toBeGreaterThan(60);
      expect(tokenizer.count(segment)).toBeLessThanOrEqual(80);
    });
  });

  it('leaves a text with inline <|…|> tokens whole and unnormalised', () => {
    const text = '<|im_start|>他在2024年说了123句话';
    expect(frontend.prepareTargetText(text)).toEqual([text]);
  });

  it('gives no segment for blank or punctuation-only text', () => {
    expect(frontend.prepareTargetText('  ')).toEqual([]);
    expect(frontend.prepareTargetText('……')).toEqual([]);
  });

  it('normalises the prompt transcript without splitting or adding a final mark', () => {
    expect(frontend.preparePromptText('希望你以后能够做的比我还好呦，我今年25岁')).toBe(
      '希望你以后能够做的比我还好呦，我今年二十五岁',
    );
  });

  it('encodes an instruct text with <|endofprompt|> as id 151646 at the end', () => {
    const ids = frontend.encode('用四川话说这句话<|endofprompt|>');
    expect(ids[ids.length - 1]).toBe(151_646);
    expect(Array.from(frontend.encode('Hello world'))).toEqual([9707, 1879]);
  });
});

describe('TextFrontend — 5,000 characters without punctuation (real tokenizer)', () => {
  let frontend: TextFrontend;
  let tokenizer: TextTokenizer;
  const WORDS = ['river', 'stone', 'quietly', 'morning', 'lantern', 'over', 'the', 'distant'];

  beforeAll(() => {
    tokenizer = new TextTokenizer(loadTestTokenizerJson());
    frontend = new TextFrontend(tokenizer);
  });

  /** Every segment fits one utterance and the segments keep the whole text, in order. */
  function expectSplitToFit(text: string, segments: string[]): void {
    expect(segments.length).toBeGreaterThan(5);
    for (const segment of segments) {
      expect(tokenizer.count(segment)).toBeLessThanOrEqual(MAX_UTTERANCE_TEXT_TOKENS);
    }
    expect(segments.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  }

  it('cuts English at spaces into segments of at most 80 tokens (+ the windowing)', () => {
    let text = '';
    for (let index = 0; text.length < 5000; index++) text += `${WORDS[(index * 5) % 8]} `;
    const segments = frontend.prepareTargetText(text.trim());
    expectSplitToFit(`${text.trim()}.`, segments);
    for (const segment of segments) expect(tokenizer.count(segment)).toBeLessThanOrEqual(160);
    expect(segments.slice(0, -1).every((segment) => segment.endsWith(' '))).toBe(true);
  });

  it('cuts one 5,000-character word hard by token count', () => {
    const text = 'abcdefghijklmnopqrstuvwxy'.repeat(200);
    expectSplitToFit(`${text}.`, frontend.prepareTargetText(text));
  });

  it('cuts Chinese without punctuation into windows of characters', () => {
    const text = '春天来了山坡上的小草悄悄地钻出了地面嫩嫩的绿绿的'.repeat(210).slice(0, 5000);
    const segments = frontend.prepareTargetText(text);
    expectSplitToFit(`${text}。`, segments);
    for (const segment of segments) expect([...segment].length).toBeLessThanOrEqual(160);
  });
});
