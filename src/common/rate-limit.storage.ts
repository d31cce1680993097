import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Logger, type FactoryProvider } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Longest wait for one Redis command of the rate limiter before the request gets a 503. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/**
 * Where @nestjs/throttler keeps the rate-limit counts: with REDIS_URL, in that Redis, shared by
 * every replica (@nest-lab/throttler-storage-redis, one atomic script per hit); without, in this
 * process (the throttler's own in-memory storage). Either one is closed with the application.
 */
export const rateLimitStorageProvider: FactoryProvider<ThrottlerStorage> = {
  provide: ThrottlerStorage,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) =>
    config.redisUrl ? redisStorage(config.redisUrl) : new ThrottlerStorageService(),
};

/** The Redis storage; an outage is logged once (and its end), not at every reconnect attempt. */
function redisStorage(url: string): ThrottlerStorageRedisService {
  const logger = new Logger('RateLimitStorage');
  const storage = new ThrottlerStorageRedisService(url, {
    connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  });
  let down = false;
  storage.redis.on('error', (error: Error) => {
    if (!down) {
      down = true;
      logger.error(`the rate-limit Redis (REDIS_URL) is unreachable: ${error.message}`);
    }
  });
  storage.redis.on('ready', () => {
    if (down) {
      down = false;
      logger.log('the rate-limit Redis (REDIS_URL) answers again');
    }
  });
  return storage;
}
