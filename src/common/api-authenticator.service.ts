import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from './api-error.js';
import { ApiTokenService } from './api-token.service.js';
import { RateLimitClient, RateLimitService } from './rate-limit.service.js';

/**
 * Decides whether a request (or WebSocket handshake) may use the API: its bearer token must be
 * one of API_TOKENS, and its IP must not be locked out for presenting too many wrong ones
 * (AUTH_FAILURES_PER_MINUTE). Without API_TOKENS everything is let through.
 */
@Injectable()
export class ApiAuthenticator {
  constructor(
    private readonly tokens: ApiTokenService,
    private readonly rateLimit: RateLimitService,
  ) {}

  /**
   * Resolves with the client to count the request for; throws ApiError 401 Unauthorized for a
   * missing or wrong token, 429 TooManyRequests while the IP is locked out.
   */
  async authenticate(token: string | undefined, ip: string | undefined): Promise<RateLimitClient> {
    if (this.tokens.isOpen) {
      return this.clientOf(token, ip);
    }
    if (!token) {
      throw unauthorized('missing Authorization: Bearer <token> header');
    }
    await this.rateLimit.assertNotLockedOut(ip);
    if (!this.tokens.isValid(token)) {
      await this.rateLimit.countFailedAuthentication(ip);
      throw unauthorized('invalid API token');
    }
    return this.clientOf(token, ip);
  }

  /** Who an authenticated request is counted for: its token, or its IP when the API is open. */
  clientOf(token: string | undefined, ip: string | undefined): RateLimitClient {
    return { token: this.tokens.isOpen ? undefined : token, ip };
  }
}

function unauthorized(message: string): ApiError {
  return new ApiError(HttpStatus.UNAUTHORIZED, 'Unauthorized', message);
}
