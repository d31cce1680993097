import { ShutdownSignal, type INestApplicationContext } from '@nestjs/common';

/** The signals that start a graceful shutdown. */
export const SHUTDOWN_SIGNALS = [ShutdownSignal.SIGTERM, ShutdownSignal.SIGINT];

/**
 * On SIGTERM or SIGINT: run the whole shutdown (drain, close the servers and the database), then
 * exit with 0 (1 if the shutdown failed).
 */
export function exitOnShutdownSignals(app: INestApplicationContext): void {
  app.enableShutdownHooks(SHUTDOWN_SIGNALS, { useProcessExit: true });
}
