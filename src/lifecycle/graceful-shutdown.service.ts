import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { SynthesisDrain } from './synthesis-drain.js';

/** A step that runs once the in-flight syntheses are over, e.g. closing WebSockets. */
export type AfterDrainStep = () => Promise<void>;

/**
 * The first part of a shutdown (SIGTERM, SIGINT or `app.close()`), before Nest closes the
 * WebSocket and HTTP servers and then the database: stop listening for new connections, refuse
 * new syntheses, let the in-flight ones finish within SHUTDOWN_GRACE_MS (then abort them), and run
 * the steps registered with `afterDrain` (the gateway closes its WebSockets with 1001).
 */
@Injectable()
export class GracefulShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly afterDrainSteps: AfterDrainStep[] = [];

  constructor(
    private readonly drain: SynthesisDrain,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterDrain(step: AfterDrainStep): void {
    this.afterDrainSteps.push(step);
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const graceMs = this.config.shutdownGraceMs;
    this.stopListening();
    this.logger.log(
      `shutting down${signal ? ` on ${signal}` : ''}: waiting up to ${graceMs} ms for ` +
        `${this.drain.active} in-flight syntheses`,
    );
    const outcome = await this.drain.drain(graceMs);
    if (outcome === 'aborted') {
      this.logger.warn(`syntheses still running after ${graceMs} ms were aborted`);
    }
    for (const step of this.afterDrainSteps) {
      await step();
    }
  }

  /** Closes the listening socket; connections already open stay until Nest closes the server. */
  private stopListening(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server?.listening) {
      server.close();
    }
  }
}
