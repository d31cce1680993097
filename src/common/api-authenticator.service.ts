import { HttpStatus, Injectable } from '@nestjs/common';
import { AccessMetrics } from './access.metrics.js';
import { ApiError } from './api-error.js';
import { ApiTokenService } from './api-token.service.js';
import { OpenModeOriginPolicy, RequestOrigin } from './open-mode-origin.policy.js';
import { RateLimitClient, RateLimitService } from './rate-limit.service.js';

/** What a request (or WebSocket handshake) presents to be let in. */
export interface ClientCredentials extends RequestOrigin {
  /** The bearer token, if any. */
  token: string | undefined;
  /** The client's address (through the proxies TRUST_PROXY trusts). */
  ip: string | undefined;
}

/**
 * Decides whether a request (or WebSocket handshake) may use the API: its bearer token must be
 * one of API_TOKENS. A valid token is always let in. A wrong one counts against the client's
 * address (AUTH_FAILURES_PER_MINUTE); beyond that, wrong tokens from it get 429 instead of 401
 * for a minute. Without API_TOKENS the open API answers only loopback hosts and same-origin
 * pages (OpenModeOriginPolicy).
 */
@Injectable()
export class ApiAuthenticator {
  constructor(
    private readonly tokens: ApiTokenService,
    private readonly rateLimit: RateLimitService,
    private readonly originPolicy: OpenModeOriginPolicy,
    private readonly metrics: AccessMetrics,
  ) {}

  /**
   * Resolves with the client to count the request for; throws ApiError 401 Unauthorized for a
   * missing or wrong token, 429 TooManyRequests for a wrong token while its address is locked
   * out, 403 Forbidden for a host or origin the open API does not answer.
   */
  async authenticate(credentials: ClientCredentials): Promise<RateLimitClient> {
    const { token, ip } = credentials;
    if (this.tokens.isOpen) {
      this.originPolicy.assertAllowed(credentials);
      return this.clientOf(token, ip);
    }
    if (!token) {
      this.metrics.refused('missing_token');
      throw unauthorized('missing Authorization: Bearer <token> header');
    }
    if (this.tokens.isValid(token)) {
      return this.clientOf(token, ip);
    }
    await this.rateLimit.countFailedAuthentication(ip);
    this.metrics.refused('invalid_token');
    throw unauthorized('invalid API token');
  }

  /** Who an authenticated request is counted for: its token, or its IP when the API is open. */
  clientOf(token: string | undefined, ip: string | undefined): RateLimitClient {
    return { token: this.tokens.isOpen ? undefined : token, ip };
  }
}

function unauthorized(message: string): ApiError {
  return new ApiError(HttpStatus.UNAUTHORIZED, 'Unauthorized', message);
}
