import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';

/** Why a frame was refused: its task id is too long, or anything else (state, JSON, action). */
export type FrameRefusal = 'task_id_too_long' | 'other';

/** Why the server closed a connection on its own (not idle, not shutdown). */
export type ServerClose = 'send_buffer_full' | 'too_many_refused_frames' | 'frame_too_large';

/**
 * Prometheus metrics of the WebSocket endpoint: the connections open right now, the bytes waiting
 * to be sent to them, the frames refused and the connections the server closed for breaking a
 * limit. Its syntheses are counted by SynthesisMetrics with `transport="websocket"`.
 */
@Injectable()
export class RealtimeMetrics {
  private readonly connections: Gauge;
  private readonly refusedFrames: Counter<'reason'>;
  private readonly serverCloses: Counter<'reason'>;
  private bufferedBytes: () => number = () => 0;

  constructor(metrics: MetricsService) {
    this.connections = new Gauge({
      name: 'websocket_connections',
      help: 'WebSocket connections open at /api-ws/v1/audio/speech',
      registers: [metrics.registry],
    });
    const measured = (): number => this.bufferedBytes();
    new Gauge({
      name: 'websocket_buffered_bytes',
      help: 'Bytes waiting to be sent to WebSocket clients, all connections together',
      registers: [metrics.registry],
      collect() {
        this.set(measured());
      },
    });
    this.refusedFrames = new Counter({
      name: 'websocket_refused_frames_total',
      help: 'WebSocket frames answered with task-failed without touching a task, by reason',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
    this.serverCloses = new Counter({
      name: 'websocket_server_closes_total',
      help: 'WebSocket connections the server closed for breaking a limit, by reason',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  }

  opened(): void {
    this.connections.inc();
  }

  closed(): void {
    this.connections.dec();
  }

  /** Where `websocket_buffered_bytes` reads its value at each scrape. */
  measureBufferedBytes(bufferedBytes: () => number): void {
    this.bufferedBytes = bufferedBytes;
  }

  frameRefused(reason: FrameRefusal): void {
    this.refusedFrames.inc({ reason });
  }

  closedByServer(reason: ServerClose): void {
    this.serverCloses.inc({ reason });
  }
}
