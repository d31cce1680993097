import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiAccess } from './api-access.service.js';
import { isPublicRoute } from './public.decorator.js';

/**
 * The one global guard of every Nest HTTP route: a route whose handler or controller is not
 * marked `@Public()` needs a valid bearer token and counts towards the token's
 * RATE_LIMIT_PER_MINUTE (ApiAccess). It is decided by the route the router matched (after it
 * decoded the path), never by the raw URL, so `/%61pi/...` is as protected as `/api/...`, and a
 * route added later is protected without anyone remembering to. Public routes are never limited.
 * The same decision is taken earlier, before the body is read, by ApiAccessHook (on the same
 * `@Public()` rule, see markRouteAccess); here it is only read again, so a route the hook did not
 * see still cannot be reached without a token. WebSocket handshakes are checked by the gateway
 * (verifyClient) before any message arrives.
 */
@Injectable()
export class ApiAccessGuard implements CanActivate {
  constructor(
    private readonly access: ApiAccess,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (
      context.getType() !== 'http' ||
      isPublicRoute(this.reflector, context.getHandler(), context.getClass())
    ) {
      return true;
    }
    await this.access.admit(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}
