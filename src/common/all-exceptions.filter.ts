import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Inject,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { ApiError, ErrorBody } from './api-error.js';
import { ErrorBodyFraming } from './error-body-framing.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'InvalidParameter',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

/**
 * The single place that turns any thrown error into `{code, message, request_id}` (or the shape
 * its route group registered with ErrorBodyFraming).
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
    const { status, body, headers } = toErrorResponse(
      exception,
      String(request.id),
      this.config.maxJsonBodyBytes,
    );
    if (status >= 500 && !(exception instanceof ApiError)) {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    if (reply.sent || reply.raw.headersSent) {
      return;
    }
    void reply
      .status(status)
      .headers(headers)
      .send(this.framing.frame(request.url, status, body));
  }
}

export function toErrorResponse(
  exception: unknown,
  requestId: string,
  maxJsonBodyBytes: number,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (exception instanceof ApiError) {
    return {
      status: exception.status,
      body: { code: exception.code, message: exception.message, request_id: requestId },
      headers: exception.headers,
    };
  }
  if (isBodyTooLarge(exception)) {
    return {
      status: HttpStatus.PAYLOAD_TOO_LARGE,
      body: {
        code: 'PayloadTooLarge',
        message: `request body over the limit of ${maxJsonBodyBytes} bytes (MAX_JSON_BODY_BYTES)`,
        request_id: requestId,
      },
      headers: {},
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      status,
      body: {
        code: CODE_BY_STATUS[status] ?? (status >= 500 ? 'InternalError' : 'InvalidParameter'),
        message: httpExceptionMessage(exception),
        request_id: requestId,
      },
      headers: {},
    };
  }
  const fastifyStatus = fastifyErrorStatus(exception);
  if (fastifyStatus !== undefined) {
    return {
      status: fastifyStatus,
      body: {
        code: CODE_BY_STATUS[fastifyStatus] ?? 'InvalidParameter',
        message: (exception as Error).message,
        request_id: requestId,
      },
      headers: {},
    };
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: { code: 'InternalError', message: 'internal server error', request_id: requestId },
    headers: {},
  };
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return typeof message === 'string' ? message : exception.message;
}

/** Fastify's refusal of a body over its bodyLimit, as is or wrapped by Nest's adapter. */
function isBodyTooLarge(exception: unknown): boolean {
  const code = (error: unknown) => (error as { code?: unknown } | undefined)?.code;
  const cause = exception instanceof Error ? exception.cause : undefined;
  return [code(exception), code(cause)].includes('FST_ERR_CTP_BODY_TOO_LARGE');
}

/** Errors raised by Fastify itself (body too large, bad JSON, ...) carry a 4xx statusCode. */
function fastifyErrorStatus(exception: unknown): number | undefined {
  if (!(exception instanceof Error)) {
    return undefined;
  }
  const statusCode = (exception as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500
    ? statusCode
    : undefined;
}
