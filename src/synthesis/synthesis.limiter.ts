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
 * Bounds the number of syntheses running at once (MAX_CONCURRENT_SYNTHESES) and the number
 * waiting for a slot (SYNTHESIS_QUEUE_SIZE). A request that finds both full is refused at once
 * with 503 ServerBusy and a Retry-After header. Waiters are served first come, first served.
 */
@Injectable()
export class SynthesisLimiter {
  private readonly maxConcurrent: number;
  private readonly queueSize: number;
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxConcurrent = config.synthesis.maxConcurrent;
    this.queueSize = config.synthesis.queueSize;
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
   * when the queue is full, or with the signal's reason when the caller gives up while waiting.
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
        new ApiError(
          HttpStatus.SERVICE_UNAVAILABLE,
          'ServerBusy',
          `server busy: ${this.running} syntheses running and ${this.waiting.length} waiting ` +
            `(limits ${this.maxConcurrent} and ${this.queueSize}); retry later`,
          { 'Retry-After': String(SERVER_BUSY_RETRY_AFTER_SECONDS) },
        ),
      );
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) {
          this.waiting.splice(index, 1);
        }
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
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
