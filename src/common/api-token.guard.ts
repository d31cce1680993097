import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { ApiTokenService } from './api-token.service.js';
import { isPublicRoute } from './public.decorator.js';

/**
 * Requires a valid bearer token on every Nest HTTP route whose handler or controller is not
 * marked `@Public()`. It is decided by the route the router matched (after it decoded the
 * path), never by the raw URL, so `/%61pi/...` is as protected as `/api/...`, and a route added
 * later is protected without anyone remembering to. WebSocket handshakes are checked by the
 * gateway (verifyClient) before any message can reach a handler.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: ApiTokenService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || isPublicRoute(this.reflector, context)) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = ApiTokenService.bearerToken(request.headers.authorization);
    if (!this.tokens.isValid(token)) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'Unauthorized',
        token ? 'invalid API token' : 'missing Authorization: Bearer <token> header',
      );
    }
    return true;
  }
}
