import { describe, expect, it } from 'vitest';
import { FixedWindowCounter } from '../../../src/common/fixed-window.counter.js';

describe('FixedWindowCounter', () => {
  function counter(limit: number) {
    let now = 1_000_000;
    const clock = {
      advance: (ms: number) => (now += ms),
      counter: new FixedWindowCounter(limit, 60_000, () => now),
    };
    return clock;
  }

  it('allows `limit` events per window and refuses the next with the seconds left', () => {
    const { counter: sut, advance } = counter(3);
    expect([sut.take('a'), sut.take('a'), sut.take('a')]).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    expect(sut.take('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    advance(20_500);
    expect(sut.take('a')).toEqual({ allowed: false, retryAfterSeconds: 40 });
    advance(39_000);
    expect(sut.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('starts a new window once the old one has ended', () => {
    const { counter: sut, advance } = counter(2);
    sut.take('a');
    sut.take('a');
    expect(sut.take('a').allowed).toBe(false);
    advance(60_000);
    expect(sut.take('a')).toEqual({ allowed: true });
    expect(sut.take('a')).toEqual({ allowed: true });
    expect(sut.take('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('counts every key on its own', () => {
    const { counter: sut } = counter(1);
    expect(sut.take('a')).toEqual({ allowed: true });
    expect(sut.take('a').allowed).toBe(false);
    expect(sut.take('b')).toEqual({ allowed: true });
  });

  it('forgets windows that have ended', () => {
    const { counter: sut, advance } = counter(1);
    for (let i = 0; i < 100; i++) {
      sut.take(`client-${i}`);
    }
    advance(61_000);
    sut.take('late');
    expect((sut as unknown as { windows: Map<string, unknown> }).windows.size).toBe(1);
  });
});
