import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import {
  DEFAULT_IPV6_SUBNET_PREFIX,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { AccessMetrics } from './access.metrics.js';
import { ApiError } from './api-error.js';

/** The window of RATE_LIMIT_PER_MINUTE and AUTH_FAILURES_PER_MINUTE. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** A limit no count reaches: a hit with it only reads whether the key is blocked. */
const NEVER_REACHED = Number.MAX_SAFE_INTEGER;

/** Who a request is counted for: its valid token, or its IP when the API is open. */
export interface RateLimitClient {
  token: string | undefined;
  ip: string | undefined;
}

/**
 * The service's two limits, counted by @nestjs/throttler's storage (the process, or Redis shared
 * by every replica; see rateLimitStorageProvider), in windows of one minute:
 *
 * - RATE_LIMIT_PER_MINUTE (0 = off): each bearer token (each client IP when the API is open) may
 *   make that many requests to protected routes and WebSocket run-task commands together.
 * - AUTH_FAILURES_PER_MINUTE (0 = off): each client IP may present that many wrong tokens; the
 *   next one locks the IP out for a minute, during which its wrong tokens get 429 instead of 401.
 *   A valid token is never refused by it (so a client behind the same NAT or proxy as a guesser
 *   keeps working); guessing stays hopeless because every token has at least 32 characters.
 *
 * Beyond a limit: ApiError 429 TooManyRequests with Retry-After. A store that does not answer
 * lets the request through uncounted (fail open): the limits protect capacity, not access, and an
 * outage of Redis must not take every replica's API down with it. The failures are counted
 * (rate_limit_store_failures_total), logged once per outage and shown in /ready's checks.
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly requestLimit: number;
  private readonly authFailureLimit: number;
  private storeFailing = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly metrics: AccessMetrics,
  ) {
    this.requestLimit = config.rateLimitPerMinute;
    this.authFailureLimit = config.authFailuresPerMinute;
  }

  /** Counts one request of `client`; throws 429 over RATE_LIMIT_PER_MINUTE. */
  async consume(client: RateLimitClient): Promise<void> {
    if (this.requestLimit === 0) {
      return;
    }
    const key = client.token ? `token:${sha256(client.token)}` : `ip:${ipKey(client.ip)}`;
    const record = await this.hit(`requests:${key}`, this.requestLimit, RATE_LIMIT_WINDOW_MS);
    if (record?.isBlocked) {
      this.metrics.refused('rate_limited');
      throw tooManyRequests(
        `rate limit of ${this.requestLimit} requests per minute reached`,
        record.timeToBlockExpire,
      );
    }
  }

  /**
   * Counts one wrong token presented by `ip`; throws 429 while the IP is locked out, and (locking
   * it out for a minute) when this one is one over AUTH_FAILURES_PER_MINUTE.
   */
  async countFailedAuthentication(ip: string | undefined): Promise<void> {
    if (this.authFailureLimit === 0) {
      return;
    }
    const key = ipKey(ip);
    const lockout = await this.hit(`auth-lockout:${key}`, NEVER_REACHED, 1);
    if (lockout?.isBlocked) {
      throw this.lockedOut(lockout.timeToBlockExpire);
    }
    const failures = await this.hit(
      `auth-failures:${key}`,
      this.authFailureLimit,
      RATE_LIMIT_WINDOW_MS,
    );
    if (failures?.isBlocked) {
      const locked = await this.hit(`auth-lockout:${key}`, 0, 1);
      throw this.lockedOut(locked?.timeToBlockExpire ?? RATE_LIMIT_WINDOW_MS / 1000);
    }
  }

  /**
   * One hit on `key`: blocked for a window once more than `limit` hits fell in one window. A
   * limit of 0 blocks at once, NEVER_REACHED with a 1 ms window only reads the block. Undefined
   * when the store did not answer.
   */
  private async hit(key: string, limit: number, windowMs: number) {
    try {
      const record = await this.storage.increment(
        `cosyvoice:${key}`,
        windowMs,
        limit,
        RATE_LIMIT_WINDOW_MS,
        'rate-limit',
      );
      if (this.storeFailing) {
        this.storeFailing = false;
        this.logger.log('the rate-limit store answers again: requests are counted again');
      }
      return record;
    } catch (error) {
      this.metrics.rateLimitStoreFailed();
      if (!this.storeFailing) {
        this.storeFailing = true;
        this.logger.warn(
          `the rate-limit store did not answer (${String(error)}): requests are let through ` +
            'uncounted until it does',
        );
      }
      return undefined;
    }
  }

  private lockedOut(retryAfterSeconds: number): ApiError {
    this.metrics.refused('locked_out');
    return tooManyRequests(
      `more than ${this.authFailureLimit} wrong API tokens a minute from this address`,
      retryAfterSeconds,
    );
  }
}

function tooManyRequests(reason: string, retryAfterSeconds: number): ApiError {
  const seconds = Math.max(1, retryAfterSeconds);
  return new ApiError(
    HttpStatus.TOO_MANY_REQUESTS,
    'TooManyRequests',
    `${reason}; retry after ${seconds} s`,
    { retryAfter: seconds },
  );
}

/** Tokens are counted by digest, never kept as keys. */
function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** IPv6 clients are counted per /64, as one host can use a whole subnet. */
export function ipKey(ip: string | undefined): string {
  return ip ? normalizeIp(ip, DEFAULT_IPV6_SUBNET_PREFIX) : 'unknown';
}
