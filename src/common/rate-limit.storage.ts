import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Injectable, Logger, type FactoryProvider } from '@nestjs/common';
import {
  InjectThrottlerStorage,
  ThrottlerStorage,
  ThrottlerStorageService,
} from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Longest wait for one Redis command of the rate limiter before the request goes on uncounted. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/**
 * Where @nestjs/throttler keeps the rate-limit counts: with REDIS_URL and a limit on, in that
 * Redis, shared by every replica (@nest-lab/throttler-storage-redis, one atomic script per hit);
 * otherwise in this process (the throttler's own in-memory storage). With both limits off
 * (RATE_LIMIT_PER_MINUTE=0 and AUTH_FAILURES_PER_MINUTE=0) Redis is not even connected to, so
 * its outage costs nothing. Either store is closed with the application.
 */
export const rateLimitStorageProvider: FactoryProvider<ThrottlerStorage> = {
  provide: ThrottlerStorage,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) =>
    config.redisUrl && (config.rateLimitPerMinute > 0 || config.authFailuresPerMinute > 0)
      ? redisStorage(config.redisUrl)
      : new ThrottlerStorageService(),
};

/**
 * The Redis storage. Commands are never queued while Redis is away (they fail at once, and the
 * request goes on uncounted); an outage is logged once (and its end), not at every reconnect.
 */
function redisStorage(url: string): ThrottlerStorageRedisService {
  const logger = new Logger('RateLimitStorage');
  const storage = new ThrottlerStorageRedisService(url, {
    connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  let down = false;
  storage.redis.on('error', (error: Error) => {
    if (!down) {
      down = true;
      logger.warn(`the rate-limit Redis (REDIS_URL) is unreachable: ${error.message}`);
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

/** Whether the rate-limit store is a Redis, and whether it answers (for /ready). */
@Injectable()
export class RateLimitStoreProbe {
  constructor(@InjectThrottlerStorage() private readonly storage: ThrottlerStorage) {}

  /** True when the counts live in Redis (REDIS_URL with a limit on). */
  get isRedis(): boolean {
    return this.storage instanceof ThrottlerStorageRedisService;
  }

  /** Resolves when the store answers a ping; the in-process store always does. */
  async ping(): Promise<void> {
    if (this.storage instanceof ThrottlerStorageRedisService) {
      await this.storage.redis.ping();
    }
  }
}
