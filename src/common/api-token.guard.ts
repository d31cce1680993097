import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { ApiTokenService } from './api-token.service.js';

/** Requires a valid bearer token on every `/api/...` route; other routes are public. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(private readonly tokens: ApiTokenService) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.url.startsWith('/api/')) {
      return true;
    }
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
