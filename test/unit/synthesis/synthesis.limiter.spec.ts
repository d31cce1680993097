import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import type { AppConfig } from '../../../src/config/app-config.js';
import { SynthesisLimiter } from '../../../src/synthesis/synthesis.limiter.js';

function limiter(maxConcurrent: number, queueSize: number, queueTimeoutMs = 60_000) {
  return new SynthesisLimiter({
    synthesis: { maxConcurrent, queueSize, queueTimeoutMs, maxTextLength: 100 },
  } as AppConfig);
}

describe(SynthesisLimiter.name, () => {
  it('grants up to maxConcurrent slots at once', async () => {
    const sut = limiter(2, 0);
    await sut.acquire();
    await sut.acquire();
    expect(sut.active).toBe(2);
  });

  it('refuses with 503 ServerBusy and Retry-After when slots and queue are full', async () => {
    const sut = limiter(1, 1);
    await sut.acquire();
    void sut.acquire();
    const refusal = await sut.acquire().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 503, code: 'ServerBusy' });
    expect(Number((refusal as ApiError).headers['Retry-After'])).toBeGreaterThan(0);
  });

  it('hands a released slot to the longest waiter first', async () => {
    const sut = limiter(1, 2);
    const release = await sut.acquire();
    const order: string[] = [];
    const first = sut.acquire().then((r) => (order.push('first'), r));
    const second = sut.acquire().then((r) => (order.push('second'), r));
    expect(sut.queued).toBe(2);
    release();
    (await first)();
    (await second)();
    expect(order).toEqual(['first', 'second']);
    expect(sut.active).toBe(0);
  });

  it('drops a waiter after SYNTHESIS_QUEUE_WAIT_MS with 503 ServerBusy and Retry-After', async () => {
    vi.useFakeTimers();
    try {
      const sut = limiter(1, 2, 5000);
      const release = await sut.acquire();
      const waiting = sut.acquire().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(4999);
      expect(sut.queued).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      const refusal = await waiting;
      expect(refusal).toBeInstanceOf(ApiError);
      expect(refusal).toMatchObject({
        status: 503,
        code: 'ServerBusy',
        message: 'server busy: no synthesis slot came free within 5000 ms; retry later',
        headers: { 'Retry-After': '2' },
      });
      expect(sut.queued).toBe(0);
      release();
      expect(sut.active).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts a release only once', async () => {
    const sut = limiter(1, 0);
    const release = await sut.acquire();
    release();
    release();
    expect(sut.active).toBe(0);
    await sut.acquire();
    expect(sut.active).toBe(1);
  });

  it('drops a waiter whose signal aborts and rejects it with the reason', async () => {
    const sut = limiter(1, 1);
    const release = await sut.acquire();
    const controller = new AbortController();
    const waiting = sut.acquire(controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(sut.queued).toBe(0);
    release();
    expect(sut.active).toBe(0);
  });
});
