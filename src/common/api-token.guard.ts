import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from './api-error.js';
import { apiRequestOf } from './api-request.js';
import { ApiTokenService } from './api-token.service.js';

/** Requires a valid bearer token on every `/api/...` and `/v1/...` route; others are public. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(private readonly tokens: ApiTokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = apiRequestOf(context);
    if (!request) {
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
