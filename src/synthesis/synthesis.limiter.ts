import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';

/** Seconds a client is asked to wait before retrying when the server is saturated. */
export const SERVER_BUSY_RETRY_AFTER_SECONDS = 2;

/** Gives back a synthesis slot; calling it more than once has no further effect. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant: (release: ReleaseSlot) => void;
}

/**
 * Bounds the number of syntheses running at once (MAX_CONCURRENT_SYNTHESES), the number
 * waiting for a slot (SYNTHESIS_QUEUE_SIZE) and how long one waits (SYNTHESIS_QUEUE_WAIT_MS).
 * A request that finds both full is refused at once, and one that waited too long is dropped,
 * with 503 ServerBusy and a Retry-After header. Waiters are served first come, first served.
 */
@Injectable()
export class SynthesisLimiter {
  private readonly maxConcurrent: number;
  private readonly queueSize: number;
  private readonly queueWaitMs: number;
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxConcurrent = config.synthesis.maxConcurrent;
    this.queueSize = config.synthesis.queueSize;
    this.queueWaitMs = config.synthesis.queueTimeoutMs;
  }

  /** Syntheses holding a slot right now. */
  get active(): number {
    return this.running;
  }

  /** Requests waiting for a slot right now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free. Rejects with ApiError 503 ServerBusy
   * when the queue is full or the wait passes SYNTHESIS_QUEUE_WAIT_MS, or with the signal's
   * reason when the caller gives up while waiting.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve(this.releaseOnce());
    }
    if (this.waiting.length >= this.queueSize) {
      return Promise.reject(
        this.busy(
          `${this.running} syntheses running and ${this.waiting.length} waiting ` +
            `(limits ${this.maxConcurrent} and ${this.queueSize})`,
        ),
      );
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const leave = (reason: unknown): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) {
          this.waiting.splice(index, 1);
        }
        reject(reason);
      };
      const onAbort = (): void => leave(signal?.reason);
      const timer = setTimeout(
        () => leave(this.busy(`no synthesis slot came free within ${this.queueWaitMs} ms`)),
        this.queueWaitMs,
      );
      const waiter: Waiter = {
        grant: (release) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private busy(why: string): ApiError {
    return new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'ServerBusy',
      `server busy: ${why}; retry later`,
      { retryAfter: SERVER_BUSY_RETRY_AFTER_SECONDS },
    );
  }

  private releaseOnce(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const next = this.waiting.shift();
      if (next) {
        next.grant(this.releaseOnce());
      } else {
        this.running--;
      }
    };
  }
}
