import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { apiRequestOf } from './api-request.js';
import { ApiTokenService } from './api-token.service.js';
import { RateLimitService } from './rate-limit.service.js';

/**
 * Applies RATE_LIMIT_PER_MINUTE to every `/api/...` request with a valid token (a wrong token is
 * left to ApiTokenGuard and not counted); health, metrics and docs are never limited.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly rateLimit: RateLimitService,
    private readonly tokens: ApiTokenService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = apiRequestOf(context);
    if (!request) {
      return true;
    }
    const token = ApiTokenService.bearerToken(request.headers.authorization);
    if (this.tokens.isValid(token)) {
      this.rateLimit.consume(token, request.ip);
    }
    return true;
  }
}
