import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from '../common/all-exceptions.filter.js';
import { ApiError } from '../common/api-error.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { toOpenAiError } from './openai-error.js';

/**
 * Errors of the /v1 routes (token, rate limit, validation, synthesis) in OpenAI's shape, with
 * the status, code, message and headers (Retry-After) every other transport gets.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(OpenAiExceptionFilter.name);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
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
    void reply.status(status).headers(headers).send(toOpenAiError(status, body));
  }
}
