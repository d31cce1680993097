import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiTokenService } from './api-token.service.js';
import { isPublicRoute } from './public.decorator.js';
import { RateLimitService } from './rate-limit.service.js';

/**
 * Applies RATE_LIMIT_PER_MINUTE to every request to a protected route with a valid token (a wrong token is
 * left to ApiTokenGuard and not counted); public routes are never limited.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly rateLimit: RateLimitService,
    private readonly tokens: ApiTokenService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || isPublicRoute(this.reflector, context)) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = ApiTokenService.bearerToken(request.headers.authorization);
    if (this.tokens.isValid(token)) {
      this.rateLimit.consume(token, request.ip);
    }
    return true;
  }
}
