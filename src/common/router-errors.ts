import { HttpStatus } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { toErrorResponse } from './all-exceptions.filter.js';

/** Fastify's router's limit on one path parameter (e.g. an id), in characters. */
export const MAX_PATH_PARAMETER_LENGTH = 100;

/**
 * Fastify's `frameworkErrors`: the errors its router raises before any route (and so before Nest
 * and its exception filter) is reached, answered in the common error shape with `x-request-id`
 * like every other error. A path that is not valid percent-encoding (`/%ZZ`) is a 400, a path
 * parameter over MAX_PATH_PARAMETER_LENGTH characters a 414; the path itself is not echoed.
 */
export function answerRouterError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body, headers } = toErrorResponse(routerError(error), String(request.id), 0);
  if (status >= 500) {
    request.log.error({ err: error }, 'router error');
  }
  void reply.status(status).headers(headers).header('x-request-id', request.id).send(body);
}

function routerError(error: FastifyError): unknown {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return ApiError.invalidParameter('the URL path is not valid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError(
        HttpStatus.URI_TOO_LONG,
        'UriTooLong',
        `a path segment is longer than ${MAX_PATH_PARAMETER_LENGTH} characters`,
      );
    default:
      return error;
  }
}
