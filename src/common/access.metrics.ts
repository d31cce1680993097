import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

/** Why a request or WebSocket handshake was refused before it reached its route. */
export type AccessRefusal =
  | 'missing_token'
  | 'invalid_token'
  | 'locked_out'
  | 'rate_limited'
  | 'host_not_allowed'
  | 'origin_not_allowed';

/**
 * Prometheus metrics of the service's door: refused requests and handshakes by reason, connections
 * closed over MAX_CLIENT_CONNECTIONS, requests cut off by REQUEST_TIMEOUT_MS or
 * HEADERS_TIMEOUT_MS, and rate-limit store (Redis) failures that let requests through uncounted.
 */
@Injectable()
export class AccessMetrics {
  private readonly refusals: Counter<'reason'>;
  private readonly connectionsRefused: Counter;
  private readonly requestTimeouts: Counter;
  private readonly storeFailures: Counter;

  constructor(metrics: MetricsService) {
    this.refusals = new Counter({
      name: 'access_refusals_total',
      help: 'HTTP requests and WebSocket handshakes refused before their route, by reason',
      labelNames: ['reason'] as const,
      registers: [metrics.registry],
    });
    this.connectionsRefused = new Counter({
      name: 'http_connections_refused_total',
      help: 'Connections closed at once because their address had MAX_CLIENT_CONNECTIONS open',
      registers: [metrics.registry],
    });
    this.requestTimeouts = new Counter({
      name: 'http_request_timeouts_total',
      help: 'Requests cut off (408) for not arriving within HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS',
      registers: [metrics.registry],
    });
    this.storeFailures = new Counter({
      name: 'rate_limit_store_failures_total',
      help: 'Rate-limit counts the store (REDIS_URL) did not answer; the request was let through',
      registers: [metrics.registry],
    });
  }

  refused(reason: AccessRefusal): void {
    this.refusals.inc({ reason });
  }

  connectionRefused(): void {
    this.connectionsRefused.inc();
  }

  requestTimedOut(): void {
    this.requestTimeouts.inc();
  }

  rateLimitStoreFailed(): void {
    this.storeFailures.inc();
  }
}
