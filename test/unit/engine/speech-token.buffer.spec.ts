import { describe, expect, it } from 'vitest';
import { SpeechTokenBuffer } from '../../../src/inference/cosyvoice2/token2wav/speech-token.buffer.js';

describe('SpeechTokenBuffer', () => {
  it('wakes a waiting consumer on each token and at the end', async () => {
    const buffer = new SpeechTokenBuffer();
    const woken = buffer.changed();
    buffer.push(4);
    await woken;
    expect(buffer.tokens).toEqual([4]);
    expect(buffer.isFinished()).toBe(false);
    const ended = buffer.changed();
    buffer.finish();
    await ended;
    expect(buffer.isFinished()).toBe(true);
  });

  it('hands the producer error to the consumer', async () => {
    const buffer = new SpeechTokenBuffer();
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('llm failed');
    }
    await buffer.fill(failing());
    expect(buffer.tokens).toEqual([1]);
    expect(() => buffer.isFinished()).toThrow('llm failed');
    await expect(buffer.changed()).resolves.toBeUndefined();
  });
});
