import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { REDACTED, redactUrl } from './redact-url.js';

/** The part of a Fastify request that is logged: never its headers or body. */
interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
}

/**
 * The one JSON logger of the service, shared by Fastify (request lines) and Nest (every
 * `Logger` of the code): one JSON object per line with `level`, `time` (ISO 8601), `pid`,
 * `hostname`, `msg`, and `reqId` during a request. Request URLs are logged with `?token=`
 * redacted; an `authorization` header, should one be logged, is redacted too. Lines go to
 * `destination`, or to stdout.
 */
export function createAppLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { req: serializeRequest },
    redact: { paths: ['headers.authorization', '*.headers.authorization'], censor: REDACTED },
  };
  return destination ? pino(options, destination) : pino(options);
}

function serializeRequest(request: LoggedRequest): Record<string, string | undefined> {
  return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
}
