import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiAuthenticator } from './api-authenticator.service.js';
import { ApiTokenService } from './api-token.service.js';
import { RateLimitService } from './rate-limit.service.js';

/**
 * Lets one HTTP request to a route that needs a token in, or refuses it: its token (or, without
 * API_TOKENS, its host and origin) through ApiAuthenticator, then its RATE_LIMIT_PER_MINUTE count.
 * Decided once per request: the onRequest hook asks first (before the body is read), and the
 * guard that asks again gets the same answer.
 */
@Injectable()
export class ApiAccess {
  private readonly admissions = new WeakMap<FastifyRequest, Promise<void>>();

  constructor(
    private readonly authenticator: ApiAuthenticator,
    private readonly rateLimit: RateLimitService,
  ) {}

  /** Resolves when `request` may use its route; rejects with the ApiError to answer. */
  admit(request: FastifyRequest): Promise<void> {
    let admission = this.admissions.get(request);
    if (!admission) {
      admission = this.decide(request);
      this.admissions.set(request, admission);
    }
    return admission;
  }

  private async decide(request: FastifyRequest): Promise<void> {
    const client = await this.authenticator.authenticate({
      token: ApiTokenService.bearerToken(request.headers.authorization),
      ip: request.ip,
      host: request.headers.host,
      origin: request.headers.origin,
    });
    await this.rateLimit.consume(client);
  }
}
