import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import { SynthesisDrain } from '../../../src/lifecycle/synthesis-drain.js';

describe('SynthesisDrain', () => {
  it('finishes at once when nothing is in flight, and refuses new syntheses from then on', async () => {
    const drain = new SynthesisDrain();
    expect(await drain.drain(10_000)).toBe('completed');
    expect(drain.isDraining).toBe(true);
    let refusal: unknown;
    try {
      drain.admit();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({
      status: 503,
      code: 'ServiceUnavailable',
      headers: { Connection: 'close' },
    });
  });

  it('waits for the admitted syntheses to end within the grace period', async () => {
    const drain = new SynthesisDrain();
    const first = drain.admit();
    const second = drain.admit();
    let outcome: string | undefined;
    const drained = drain.drain(10_000).then((result) => (outcome = result));
    first.end();
    first.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(outcome).toBeUndefined();
    expect(drain.active).toBe(1);
    second.end();
    await drained;
    expect(outcome).toBe('completed');
    expect(second.signal.aborted).toBe(false);
  });

  it('aborts what still runs when the grace period is over, then waits for it to stop', async () => {
    const drain = new SynthesisDrain();
    const running = drain.admit();
    running.signal.addEventListener('abort', () => setTimeout(() => running.end(), 30));
    const started = performance.now();
    expect(await drain.drain(50)).toBe('aborted');
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(running.signal.reason).toMatchObject({
      status: 503,
      code: 'ServiceUnavailable',
      message: 'the server shut down before this synthesis finished (grace period 50 ms)',
    });
    expect(drain.active).toBe(0);
  });
});
