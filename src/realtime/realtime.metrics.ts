import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * Prometheus metrics of the WebSocket endpoint: the connections open right now. Its syntheses are
 * counted by SynthesisMetrics with `transport="websocket"`.
 */
@Injectable()
export class RealtimeMetrics {
  private readonly connections: Gauge;

  constructor(metrics: MetricsService) {
    this.connections = new Gauge({
      name: 'websocket_connections',
      help: 'WebSocket connections open at /api-ws/v1/audio/speech',
      registers: [metrics.registry],
    });
  }

  opened(): void {
    this.connections.inc();
  }

  closed(): void {
    this.connections.dec();
  }
}
