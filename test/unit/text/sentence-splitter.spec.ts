import { beforeAll, describe, expect, it } from 'vitest';
import { splitIntoSegments } from '../../../src/inference/text/sentence-splitter.js';
import { TextTokenizer } from '../../../src/inference/text/text-tokenizer.js';
import { loadTestTokenizerJson } from '../../support/cosyvoice2-tokenizer.js';

/** A Chinese sentence of exactly `length` characters, the last one being `mark`. */
function chineseSentence(length: number, mark = '。', filler = '天'): string {
  return filler.repeat(length - 1) + mark;
}

const countCharacters = (text: string): number => text.length;

describe('splitIntoSegments — Chinese (lengths in characters)', () => {
  it('flushes once a segment is over 60 characters and the next sentence would pass 80', () => {
    const sentences = [20, 20, 20, 20, 20].map((length) => chineseSentence(length));
    const segments = splitIntoSegments(sentences.join(''), countCharacters, true);
    expect(segments.map((segment) => segment.length)).toEqual([80, 20]);
  });

  it('merges a 15-character tail into the previous segment', () => {
    const text =
      [20, 20, 20, 20].map((length) => chineseSentence(length)).join('') + chineseSentence(15);
    const segments = splitIntoSegments(text, countCharacters, true);
    expect(segments.map((segment) => segment.length)).toEqual([95]);
  });

  it('keeps a sentence longer than 80 characters whole', () => {
    const text = chineseSentence(65) + chineseSentence(120, '！') + chineseSentence(30);
    const segments = splitIntoSegments(text, countCharacters, true);
    expect(segments.map((segment) => segment.length)).toEqual([65, 120, 30]);
  });

  it('splits a long paragraph into windows of whole sentences, over 60 and normally at most 80 characters', () => {
    const paragraph =
      '春天来了，山坡上的小草悄悄地钻出了地面，嫩嫩的，绿绿的。' +
      '桃花、杏花、梨花你不让我，我不让你，都开满了花赶趟儿。' +
      '红的像火，粉的像霞，白的像雪。花里带着甜味儿；闭了眼，树上仿佛已经满是桃儿、杏儿、梨儿！' +
      '花下成千成百的蜜蜂嗡嗡地闹着，大小的蝴蝶飞来飞去。' +
      '野花遍地是：杂样儿，有名字的，没名字的，散在草丛里像眼睛，像星星，还眨呀眨的。' +
      '吹面不寒杨柳风，不错的，像母亲的手抚摸着你。' +
      '风里带来些新翻的泥土的气息，混着青草味儿，还有各种花的香，都在微微润湿的空气里酝酿。' +
      '鸟儿将窠巢安在繁花嫩叶当中，高兴起来了，呼朋引伴地卖弄清脆的喉咙，唱出宛转的曲子，与轻风流水应和着。';
    const segments = splitIntoSegments(paragraph, countCharacters, true);

    expect(segments.join('')).toBe(paragraph);
    expect(segments.map((segment) => segment.length)).toEqual([78, 85, 64, 50]);
    segments.slice(0, -1).forEach((segment) => {
      expect(segment).toMatch(/[。？！；：、]$/);
      expect(segment.length).toBeGreaterThan(60);
      // Over 80 only when the segment had at most 60 characters before its last sentence
      // (the official rule flushes only segments longer than 60).
      const withoutLastSentence = segment.replace(/[^。？！；：、]*[。？！；：、]$/, '');
      expect(segment.length <= 80 || withoutLastSentence.length <= 60).toBe(true);
    });
  });

  it('appends 。 when the text does not end with a sentence mark', () => {
    expect(splitIntoSegments('今天天气很好，我们去公园吧', countCharacters, true)).toEqual([
      '今天天气很好，我们去公园吧。',
    ]);
  });

  it('keeps a closing quote with the sentence before it', () => {
    const first = `他说：“${'好'.repeat(70)}。”`;
    const second = chineseSentence(70);
    const segments = splitIntoSegments(first + second, countCharacters, true);
    expect(segments).toEqual([first, second]);
  });

  it('drops segments made only of punctuation and returns nothing for empty text', () => {
    expect(splitIntoSegments('……', countCharacters, true)).toEqual([]);
    expect(splitIntoSegments('。。', countCharacters, true)).toEqual([]);
    expect(splitIntoSegments('', countCharacters, true)).toEqual([]);
  });
});

describe('splitIntoSegments — English (lengths in BPE tokens)', () => {
  let tokenizer: TextTokenizer;
  const countTokens = (text: string): number => tokenizer.count(text);

  beforeAll(() => {
    tokenizer = new TextTokenizer(loadTestTokenizerJson());
  });

  it('windows a long paragraph by token count, not by characters', () => {
    const sentences = Array.from(
      { length: 40 },
      (_, index) => `Sentence number ${['one', 'two', 'three', 'four'][index % 4]} is here.`,
    );
    const paragraph = sentences.join(' ');
    const segments = splitIntoSegments(paragraph, countTokens, false);

    expect(segments.join('')).toBe(paragraph);
    expect(segments.length).toBeGreaterThan(2);
    segments.slice(0, -1).forEach((segment) => {
      expect(countTokens(segment)).toBeGreaterThan(60);
      expect(countTokens(segment)).toBeLessThanOrEqual(80);
      expect(segment.length).toBeGreaterThan(80);
    });
  });

  it('uses . ? ! ; : as marks (not the Chinese ones) and appends a final period', () => {
    expect(splitIntoSegments('Hello there', countTokens, false)).toEqual(['Hello there.']);
    expect(splitIntoSegments('Wait: what? Yes', countTokens, false)).toEqual(['Wait: what? Yes.']);
  });

  it('merges a tail under 20 tokens into the previous segment', () => {
    const body = Array.from({ length: 20 }, () => 'The cat sat on the mat.').join(' ');
    const segments = splitIntoSegments(`${body} Bye now.`, countTokens, false);
    expect(segments[segments.length - 1].endsWith('mat. Bye now.')).toBe(true);
  });
});

describe('splitIntoSegments — runs without sentence marks', () => {
  it('cuts a Chinese run over 160 characters at commas, then hard, into pieces of at most 80', () => {
    const run = `${'天'.repeat(50)}，${'地'.repeat(300)}`;
    const segments = splitIntoSegments(run, countCharacters, true);
    expect(segments.join('')).toBe(`${run}。`);
    expect(segments.map((segment) => segment.length)).toEqual([131, 80, 80, 61]);
  });

  it('keeps a run of up to 160 characters whole, as the official splitter', () => {
    const run = '天'.repeat(159);
    expect(splitIntoSegments(run, countCharacters, true)).toEqual([`${run}。`]);
  });
});
