import type { LoggerService } from '@nestjs/common';
import type { WorkerLogLevel, WorkerToMainMessage } from './inference-worker.protocol.js';

/**
 * The Nest logger of a worker thread: every line goes to the main thread, which writes it with
 * the service's own logger (format, level and destination). Nest passes a logger's context as
 * the last parameter.
 */
export class ForwardingLogger implements LoggerService {
  constructor(private readonly post: (message: WorkerToMainMessage) => void) {}

  log(message: unknown, ...params: unknown[]): void {
    this.forward('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.forward('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.forward('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.forward('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.forward('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.forward('fatal', message, params);
  }

  private forward(level: WorkerLogLevel, message: unknown, params: unknown[]): void {
    const last = params.at(-1);
    const context = typeof last === 'string' ? last : 'InferenceWorker';
    this.post({ type: 'log', level, context, message: String(message) });
  }
}
