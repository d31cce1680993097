import { HttpStatus } from '@nestjs/common';
import { ApiError } from './api-error.js';

/** Seconds a client is asked to wait before retrying when the server is saturated. */
export const SERVER_BUSY_RETRY_AFTER_SECONDS = 2;

/** Gives back a slot; calling it more than once has no further effect. */
export type ReleaseSlot = () => void;

/** The bounds of one kind of work, and how its messages name it. */
export interface AdmissionLimits {
  maxConcurrent: number;
  queueSize: number;
  queueWaitMs: number;
  /** The work in the plural (`syntheses`) and as a noun before "slot" (`synthesis`). */
  plural: string;
  singular: string;
  /** The settings that bound it, named in the busy message. */
  settings: string;
}

interface Waiter {
  grant: (release: ReleaseSlot) => void;
}

/**
 * Bounds the number of jobs of one kind running at once, the number waiting for a slot and how
 * long one waits. A job that finds both full is refused at once, and one that waited too long
 * is dropped, with 503 ServerBusy and a Retry-After header. Waiters are served first come,
 * first served.
 */
export class AdmissionQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: AdmissionLimits) {}

  /** Jobs holding a slot right now. */
  get active(): number {
    return this.running;
  }

  /** Jobs waiting for a slot right now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free. Rejects with ApiError 503 ServerBusy
   * when the queue is full or the wait passes the limit, or with the signal's reason when the
   * caller gives up while waiting.
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    const { maxConcurrent, queueSize, queueWaitMs, plural, singular } = this.limits;
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    if (this.running < maxConcurrent) {
      this.running++;
      return Promise.resolve(this.releaseOnce());
    }
    if (this.waiting.length >= queueSize) {
      return Promise.reject(
        this.busy(
          `${this.running} ${plural} running and ${this.waiting.length} waiting ` +
            `(limits ${maxConcurrent} and ${queueSize}, ${this.limits.settings})`,
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
        () => leave(this.busy(`no ${singular} slot came free within ${queueWaitMs} ms`)),
        queueWaitMs,
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
