import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { AccessMetrics } from './access.metrics.js';
import { ipKey } from './rate-limit.service.js';

/**
 * Limits on the HTTP server's connections, below HTTP:
 *
 * - MAX_CLIENT_CONNECTIONS (0 = off): a connection from an address that already has that many
 *   open (HTTP keep-alive and WebSocket connections alike) is closed at once, before anything is
 *   read from it; the client sees its connection reset, with no HTTP answer. The address is the
 *   TCP peer's: behind a reverse proxy (TRUST_PROXY) that is the proxy, whose connections are
 *   then capped together, since X-Forwarded-For is not known before a request is read.
 * - REQUEST_TIMEOUT_MS and HEADERS_TIMEOUT_MS are set on the server by createApp (Node cuts such
 *   a request off with 408 and closes the connection); here each one is counted.
 */
@Injectable()
export class HttpServerLimits implements OnModuleInit {
  private readonly logger = new Logger(HttpServerLimits.name);
  private readonly openByClient = new Map<string, number>();
  private readonly overCap = new Set<string>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: AccessMetrics,
  ) {}

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    server.on('clientError', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        this.metrics.requestTimedOut();
      }
    });
    if (this.config.maxClientConnections > 0) {
      server.on('connection', (socket: Socket) => this.admit(socket));
    }
  }

  private admit(socket: Socket): void {
    const client = ipKey(socket.remoteAddress);
    const open = this.openByClient.get(client) ?? 0;
    if (open >= this.config.maxClientConnections) {
      this.metrics.connectionRefused();
      if (!this.overCap.has(client)) {
        this.overCap.add(client);
        this.logger.warn(
          `closing new connections from ${client}: it has ${open} open ` +
            '(MAX_CLIENT_CONNECTIONS)',
        );
      }
      socket.destroy();
      return;
    }
    this.openByClient.set(client, open + 1);
    socket.once('close', () => {
      const left = (this.openByClient.get(client) ?? 1) - 1;
      if (left > 0) {
        this.openByClient.set(client, left);
      } else {
        this.openByClient.delete(client);
      }
      this.overCap.delete(client);
    });
  }
}
