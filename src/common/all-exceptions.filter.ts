import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { ApiError, ErrorBody } from './api-error.js';
import { ErrorBodyFraming } from './error-body-framing.js';
import { isUnexpected, toApiError } from './to-api-error.js';

/**
 * The single place that turns any error thrown in an HTTP request into `{code, message,
 * request_id}` (toApiError), or the shape its route group registered with ErrorBodyFraming.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly framing: ErrorBodyFraming,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      return;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body, headers, field } = toErrorResponse(
      exception,
      String(request.id),
      this.config.maxJsonBodyBytes,
    );
    if (body.code === 'DatabaseUnavailable') {
      this.logger.error(`the database is unavailable: ${String(exception)}`);
    } else if (status >= 500 && isUnexpected(exception)) {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    } else if (status < 500) {
      this.logger.warn({ msg: 'client error', status, code: body.code });
    }
    if (reply.sent || reply.raw.headersSent) {
      return;
    }
    void reply
      .status(status)
      .headers(headers)
      .send(this.framing.frame(request.url, status, body, field));
  }
}

export function toErrorResponse(
  exception: unknown,
  requestId: string,
  maxJsonBodyBytes: number,
): { status: number; body: ErrorBody; headers: Record<string, string>; field?: string } {
  const error = isBodyTooLarge(exception)
    ? new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'PayloadTooLarge',
        `request body over the limit of ${maxJsonBodyBytes} bytes (MAX_JSON_BODY_BYTES)`,
      )
    : toApiError(exception);
  return {
    status: error.status,
    body: { code: error.code, message: error.message, request_id: requestId },
    headers: error.headers,
    field: error.field,
  };
}

/** Fastify's refusal of a body over its bodyLimit, as is or wrapped by Nest's adapter. */
function isBodyTooLarge(exception: unknown): boolean {
  const code = (error: unknown) => (error as { code?: unknown } | undefined)?.code;
  const cause = exception instanceof Error ? exception.cause : undefined;
  return [code(exception), code(cause)].includes('FST_ERR_CTP_BODY_TOO_LARGE');
}
