import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiAuthenticator } from './api-authenticator.service.js';
import { ApiTokenService } from './api-token.service.js';
import { isPublicRoute } from './public.decorator.js';
import { RateLimitService } from './rate-limit.service.js';

/**
 * The one global guard of every Nest HTTP route: a route whose handler or controller is not
 * marked `@Public()` needs a valid bearer token (ApiAuthenticator) and counts towards the
 * token's RATE_LIMIT_PER_MINUTE. It is decided by the route the router matched (after it decoded
 * the path), never by the raw URL, so `/%61pi/...` is as protected as `/api/...`, and a route
 * added later is protected without anyone remembering to. Public routes are never limited.
 * WebSocket handshakes are checked by the gateway (verifyClient) before any message arrives.
 */
@Injectable()
export class ApiAccessGuard implements CanActivate {
  constructor(
    private readonly authenticator: ApiAuthenticator,
    private readonly rateLimit: RateLimitService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || isPublicRoute(this.reflector, context)) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = ApiTokenService.bearerToken(request.headers.authorization);
    const client = await this.authenticator.authenticate(token, request.ip);
    await this.rateLimit.consume(client);
    return true;
  }
}
