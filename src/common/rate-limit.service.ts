import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { ApiError } from './api-error.js';
import { ApiTokenService } from './api-token.service.js';
import { FixedWindowCounter } from './fixed-window.counter.js';

/** The window of RATE_LIMIT_PER_MINUTE. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * RATE_LIMIT_PER_MINUTE (0 = off): each bearer token (each client IP when the API is open) may
 * make that many REST requests to /api/... and WebSocket run-task commands per minute, counted
 * together in one window that starts at its first request. Beyond: 429 TooManyRequests with
 * Retry-After (a WebSocket task gets task-failed with that code).
 */
@Injectable()
export class RateLimitService {
  private readonly counter: FixedWindowCounter | undefined;
  private readonly limit: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly tokens: ApiTokenService,
  ) {
    this.limit = config.rateLimitPerMinute;
    this.counter =
      this.limit > 0 ? new FixedWindowCounter(this.limit, RATE_LIMIT_WINDOW_MS) : undefined;
  }

  /**
   * Counts one request of the client with this (valid) token, or of this IP when the API is
   * open; throws ApiError 429 TooManyRequests with Retry-After over the limit.
   */
  consume(token: string | undefined, ip: string | undefined): void {
    const decision = this.counter?.take(this.clientKey(token, ip));
    if (!decision || decision.allowed) {
      return;
    }
    throw new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      'TooManyRequests',
      `rate limit of ${this.limit} requests per minute reached; retry after ` +
        `${decision.retryAfterSeconds} s`,
      { 'Retry-After': String(decision.retryAfterSeconds) },
    );
  }

  /** A digest of the token (tokens are not kept in memory as keys), else the IP. */
  private clientKey(token: string | undefined, ip: string | undefined): string {
    if (token && !this.tokens.isOpen) {
      return `token:${createHash('sha256').update(token).digest('hex')}`;
    }
    return `ip:${ip ?? 'unknown'}`;
  }
}
