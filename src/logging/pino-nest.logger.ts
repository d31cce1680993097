import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';
import { currentLogBindings } from './log-context.js';

/**
 * Nest's LoggerService over the app's pino logger, so the `Logger` of every class writes the
 * same JSON lines as Fastify, with `context` (the class name) and the bindings of the work
 * running (`reqId`, `taskId`). A message may be a string, an Error, or an object of fields
 * (with its text in `msg`).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the logger's context as the last parameter and, for errors, a stack before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) {
      return;
    }
    const rest = params.filter((param) => param !== undefined);
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const stack = level === 'error' && typeof rest[0] === 'string' ? rest.shift() : undefined;
    const fields: Record<string, unknown> = { ...currentLogBindings(), context, stack };
    if (rest.length > 0) {
      fields.args = rest;
    }
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
