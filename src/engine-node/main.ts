/**
 * Entry of an engine node (`npm run start:engine`): the inference worker pool served over gRPC
 * on ENGINE_LISTEN, and nothing else (no HTTP API, no database, no blob storage). SIGTERM or
 * SIGINT: stop taking work, let the running syntheses finish within SHUTDOWN_GRACE_MS, exit.
 */
import { Logger } from '@nestjs/common';
import { loadEnvFile } from '../config/env-file.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { engineServerCredentials, transportOf } from '../inference/grpc/engine-tls.js';
import { InferenceWorkerPool } from '../inference/worker/inference-worker.pool.js';
import { logUnhandledRejections } from '../lifecycle/unhandled-rejections.js';
import { createAppLogger } from '../logging/app-logger.js';
import { PinoNestLogger } from '../logging/pino-nest.logger.js';
import { engineNodeListenAddress } from './engine-node.config.js';
import { EngineNodeServer } from './engine-node.server.js';
import { packHashOf } from './pack-hash.js';

/** How often the node looks whether its pool's state changed (health watchers hear it). */
const HEALTH_POLL_MS = 1000;

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  const address = engineNodeListenAddress(config);
  const credentials = engineServerCredentials(config.engine.tls);
  Logger.overrideLogger(new PinoNestLogger(createAppLogger(config.logLevel)));
  logUnhandledRejections();
  const logger = new Logger('EngineNode');
  const pool = new InferenceWorkerPool(config.inference, config.inference.workers ?? 1);
  await pool.start();
  const server = new EngineNodeServer(pool, {
    address,
    secret: config.engine.secret,
    credentials,
    slots: config.engine.slots,
    packHash: await packHashOf(config.inference.modelDir),
  });
  const port = await server.listen();
  let serving = pool.status().loaded;
  const healthPoll = setInterval(() => {
    if (pool.status().loaded === serving) return;
    serving = !serving;
    server.notifyHealth();
  }, HEALTH_POLL_MS);
  healthPoll.unref();
  const status = pool.status();
  logger.log(
    `engine node listening on ${address.host}:${port} (${transportOf(config.engine.tls)}) with ${config.engine.slots} slots ` +
      (status.loaded ? `(pack loaded on ${status.device})` : `(pack not loaded: ${status.error})`),
  );
  if (!config.engine.secret) logger.warn('ENGINE_SECRET is not set: calls are not authenticated');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: draining`);
    void server
      .drain(config.shutdownGraceMs)
      .then(() => pool.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`shutdown failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    createAppLogger('fatal').fatal({ err: error }, 'the engine node could not start');
  }
  process.exit(1);
});
