import { Injectable } from '@nestjs/common';
import type { ErrorBody } from './api-error.js';

/**
 * Turns the common error body into the one a group of routes promises its clients; `field` is
 * the request field at fault (ApiError's), when one is.
 */
export type ErrorBodyFramer = (status: number, body: ErrorBody, field?: string) => object;

/**
 * The error body framings of route groups whose clients expect another shape than
 * `{code, message, request_id}` (the OpenAI-compatible `/v1/` routes). Modules register theirs at
 * start-up; AllExceptionsFilter, the single place that answers errors, applies them.
 */
@Injectable()
export class ErrorBodyFraming {
  private readonly framers: { prefix: string; frame: ErrorBodyFramer }[] = [];

  register(prefix: string, frame: ErrorBodyFramer): void {
    this.framers.push({ prefix, frame });
  }

  frame(url: string, status: number, body: ErrorBody, field?: string): object {
    const framer = this.framers.find(({ prefix }) => url.startsWith(prefix));
    return framer ? framer.frame(status, body, field) : body;
  }
}
