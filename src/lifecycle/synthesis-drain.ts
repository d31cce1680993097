import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';

/** One admitted synthesis: `signal` aborts when the shutdown grace period runs out. */
export interface AdmittedSynthesis {
  readonly signal: AbortSignal;
  /** Marks the synthesis as over (finished, failed or aborted); later calls do nothing. */
  end(): void;
}

/** How long syntheses aborted at the deadline get to stop before the shutdown goes on. */
export const ABORTED_STOP_MS = 5000;

/** How the drain ended: every synthesis finished, or the rest were aborted at the deadline. */
export type DrainOutcome = 'completed' | 'aborted';

/**
 * Keeps count of the syntheses in flight so that a shutdown can let them finish. Once the drain
 * has begun, new syntheses are refused with 503 ServiceUnavailable (and `Connection: close`);
 * those admitted before run on until they end or until the grace period is over, when their
 * signal aborts with that same 503 error.
 */
@Injectable()
export class SynthesisDrain {
  /** One controller per admitted synthesis, aborted at the deadline. */
  private readonly inFlight = new Set<AbortController>();
  private draining = false;
  private wakeWhenIdle: (() => void) | undefined;

  /** True once the shutdown has begun. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Syntheses admitted and not yet over. */
  get active(): number {
    return this.inFlight.size;
  }

  /** Admits a synthesis; throws ApiError 503 ServiceUnavailable once the drain has begun. */
  admit(): AdmittedSynthesis {
    if (this.draining) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'ServiceUnavailable',
        'the server is shutting down and takes no new syntheses; retry on another instance',
        { headers: { Connection: 'close' } },
      );
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    return {
      signal: controller.signal,
      end: () => {
        if (this.inFlight.delete(controller) && this.inFlight.size === 0) {
          this.wakeWhenIdle?.();
        }
      },
    };
  }

  /**
   * Refuses new syntheses from now on and waits up to `graceMs` for the admitted ones to end;
   * aborts those still running then and waits (up to ABORTED_STOP_MS) for them to stop.
   */
  async drain(graceMs: number): Promise<DrainOutcome> {
    this.draining = true;
    if (await this.idleWithin(graceMs)) {
      return 'completed';
    }
    const reason = new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'ServiceUnavailable',
      `the server shut down before this synthesis finished (grace period ${graceMs} ms)`,
    );
    for (const controller of this.inFlight) {
      controller.abort(reason);
    }
    await this.idleWithin(ABORTED_STOP_MS);
    return 'aborted';
  }

  private async idleWithin(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) {
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const idle = await new Promise<boolean>((resolve) => {
      this.wakeWhenIdle = () => resolve(true);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    clearTimeout(timer);
    this.wakeWhenIdle = undefined;
    return idle;
  }
}
