import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { loadEnvFile } from './config/env-file.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { createAppLogger } from './logging/app-logger.js';
import { exitOnShutdownSignals } from './lifecycle/shutdown-signals.js';
import { logUnhandledRejections } from './lifecycle/unhandled-rejections.js';

async function bootstrap(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  const app = await createApp(config);
  exitOnShutdownSignals(app);
  logUnhandledRejections();
  await app.listen(config.port, config.host);
  const logger = new Logger('Bootstrap');
  if (config.apiTokens.length === 0) {
    logger.warn(`API_TOKENS is not set: the API is open to anyone who can reach ${config.host}`);
  }
  logger.log(`listening on http://${config.host}:${config.port} (docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    createAppLogger('fatal').fatal({ err: error }, 'the service could not start');
  }
  process.exit(1);
});
