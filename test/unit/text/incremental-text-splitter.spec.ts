import { describe, expect, it } from 'vitest';
import {
  IncrementalTextSplitter,
  countSpeechUnits,
} from '../../../src/inference/text/incremental-text-splitter.js';

/** Feeds `text` in pieces of the given sizes (cycled) and collects every output in order. */
function feed(text: string, pieceSizes: number[]): { pushed: string[][]; flushed: string[] } {
  const splitter = new IncrementalTextSplitter();
  const pushed: string[][] = [];
  let offset = 0;
  for (let index = 0; offset < text.length; index += 1) {
    const size = pieceSizes[index % pieceSizes.length];
    pushed.push(splitter.push(text.slice(offset, offset + size)));
    offset += size;
  }
  return { pushed, flushed: splitter.flush() };
}

const CHINESE_STORY =
  '你好。今天天气很好，我们一起去公园散步吧！公园里的花都开了，红的、黄的、紫的，真是太美了。' +
  '小朋友们在草地上放风筝，笑声传得很远。我们走到湖边，看见几只白色的天鹅在水面上慢慢地游着；' +
  '远处的山被一层薄薄的雾笼罩着，像一幅水墨画。傍晚的时候我们才回家';

describe('IncrementalTextSplitter', () => {
  it('emits a complete, long enough sentence as soon as it arrives', () => {
    const splitter = new IncrementalTextSplitter();
    expect(splitter.push('今天天气很好，我们一起去公园')).toEqual([]);
    expect(splitter.push('散步吧！公园')).toEqual(['今天天气很好，我们一起去公园散步吧！']);
    expect(splitter.flush()).toEqual(['公园']);
  });

  it('merges a very short sentence into the next one', () => {
    const splitter = new IncrementalTextSplitter();
    expect(splitter.push('你好。')).toEqual([]);
    expect(splitter.push('今天天气很好，我们去公园吧。')).toEqual([
      '你好。今天天气很好，我们去公园吧。',
    ]);
  });

  it('returns every sentence of a piece pushed at once, in order', () => {
    const splitter = new IncrementalTextSplitter();
    expect(splitter.push('第一句话说得比较长。第二句话也不算短！第三句话在这里吗？尾巴')).toEqual([
      '第一句话说得比较长。',
      '第二句话也不算短！',
      '第三句话在这里吗？',
    ]);
    expect(splitter.flush()).toEqual(['尾巴']);
  });

  it.each([[[1]], [[2, 5, 3]], [[7]], [[1000]]])(
    'keeps order and loses nothing whatever the piece sizes (%j)',
    (sizes) => {
      const { pushed, flushed } = feed(CHINESE_STORY, sizes);
      const outputs = [...pushed.flat(), ...flushed];
      expect(outputs.join('')).toBe(CHINESE_STORY);
      pushed.flat().forEach((sentence) => {
        expect(sentence).toMatch(/[。！？；]$/);
        expect(countSpeechUnits(sentence)).toBeGreaterThanOrEqual(8);
      });
      expect(outputs[0]).toBe('你好。今天天气很好，我们一起去公园散步吧！');
      expect(flushed).toEqual(['傍晚的时候我们才回家']);
    },
  );

  it('gives the same sentences when fed character by character as when fed at once', () => {
    const byCharacter = feed(CHINESE_STORY, [1]);
    const atOnce = feed(CHINESE_STORY, [CHINESE_STORY.length]);
    expect([...byCharacter.pushed.flat(), ...byCharacter.flushed]).toEqual([
      ...atOnce.pushed.flat(),
      ...atOnce.flushed,
    ]);
  });

  it('does not cut English at a period inside a number or before more letters', () => {
    const splitter = new IncrementalTextSplitter();
    expect(splitter.push('Pi is roughly 3.')).toEqual([]);
    expect(splitter.push('14 and e is about 2.718. Next')).toEqual([
      'Pi is roughly 3.14 and e is about 2.718.',
    ]);
    expect(splitter.flush()).toEqual(['Next']);
  });

  it('waits for the character after an English period before cutting', () => {
    const splitter = new IncrementalTextSplitter();
    expect(splitter.push('The weather is lovely today.')).toEqual([]);
    expect(splitter.push(' We')).toEqual(['The weather is lovely today.']);
    expect(splitter.push(' should go out.')).toEqual([]);
    expect(splitter.flush()).toEqual(['We should go out.']);
  });

  it('keeps English words intact across pieces (outputs joined by spaces give the input back)', () => {
    const text =
      'Streaming text arrives in small pieces. Each sentence should be spoken as soon as it is ' +
      'complete! Does this work with questions too? Short one. And a final sentence without a period';
    const { pushed, flushed } = feed(text, [3, 1, 4]);
    expect([...pushed.flat(), ...flushed].join(' ')).toBe(text);
    expect(pushed.flat()[0]).toBe('Streaming text arrives in small pieces.');
  });

  it('cuts a long run without sentence marks at its last comma', () => {
    const clause = '我们一起走过了很长很长的路，';
    const splitter = new IncrementalTextSplitter();
    expect(splitter.push(clause.repeat(5))).toEqual([]);
    expect(splitter.push(clause.repeat(3) + '还有')).toEqual([clause.repeat(8)]);
    expect(splitter.push('一点点。')).toEqual([]);
    expect(splitter.flush()).toEqual(['还有一点点。']);
  });

  it('drops a remainder made only of punctuation at flush', () => {
    const splitter = new IncrementalTextSplitter();
    expect(splitter.push('这是一个足够长的句子。')).toEqual(['这是一个足够长的句子。']);
    expect(splitter.push(' ……')).toEqual([]);
    expect(splitter.flush()).toEqual([]);
  });

  it('counts speech units as one per CJK character and two per other word', () => {
    expect(countSpeechUnits('你好。')).toBe(2);
    expect(countSpeechUnits('Hello there.')).toBe(4);
    // 用, 跑, 秒: three characters; GPU, 3, 5: three words of two units.
    expect(countSpeechUnits('用GPU跑3.5秒')).toBe(3 + 3 * 2);
  });
});
