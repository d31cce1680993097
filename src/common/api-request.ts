import type { ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The request of an HTTP call to an `/api/...` or `/v1/...` (OpenAI-compatible) route, the
 * routes that tokens and rate limits guard; undefined for health, metrics, docs and anything that is not HTTP.
 */
export function apiRequestOf(context: ExecutionContext): FastifyRequest | undefined {
  if (context.getType() !== 'http') {
    return undefined;
  }
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return request.url.startsWith('/api/') || request.url.startsWith('/v1/') ? request : undefined;
}
