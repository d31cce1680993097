import { describe, expect, it, vi } from 'vitest';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { RateLimitStoreProbe } from '../../../src/common/rate-limit.storage.js';
import type { DatabasePingRepository } from '../../../src/database/database-ping.repository.js';
import { ReadinessService } from '../../../src/health/readiness.service.js';
import type { InferenceStatus } from '../../../src/inference/inference.types.js';
import { SynthesisDrain } from '../../../src/lifecycle/synthesis-drain.js';
import type { AppConfig } from '../../../src/config/app-config.js';
import type { BlobStorage } from '../../../src/storage/blob-storage.js';
import { FakeInferenceProvider } from '../../support/fake-inference.provider.js';

function database(ping: () => Promise<void>): DatabasePingRepository {
  return { ping } as DatabasePingRepository;
}

function storage(ping: () => Promise<void>): BlobStorage {
  return { ping } as BlobStorage;
}

const ok = async (): Promise<void> => undefined;

/** Rate-limit counts in the process (no REDIS_URL): no check of their own. */
const inProcessRateLimitStore = new RateLimitStoreProbe(new ThrottlerStorageService());

/** STORAGE_MIN_FREE_BYTES of 1 MiB. */
const CONFIG = { inputLimits: { minFreeStorageBytes: 1024 * 1024 } } as AppConfig;

describe('ReadinessService', () => {
  it('is ready when database, storage and model are all ok', async () => {
    const readiness = new ReadinessService(
      database(ok),
      storage(ok),
      new FakeInferenceProvider(),
      new SynthesisDrain(),
      inProcessRateLimitStore,
      CONFIG,
    );
    expect(await readiness.check()).toEqual({
      status: 'ok',
      checks: {
        database: { status: 'ok' },
        storage: { status: 'ok' },
        model: { status: 'ok', device: 'fake', test_pack: false },
      },
    });
  });

  it('is not ready once a shutdown has begun, and says so', async () => {
    const drain = new SynthesisDrain();
    const readiness = new ReadinessService(
      database(ok),
      storage(ok),
      new FakeInferenceProvider(),
      drain,
      inProcessRateLimitStore,
      CONFIG,
    );
    await drain.drain(0);
    expect(await readiness.check()).toEqual({
      status: 'unavailable',
      checks: {
        database: { status: 'ok' },
        storage: { status: 'ok' },
        model: { status: 'ok', device: 'fake', test_pack: false },
        shutdown: { status: 'error', error: 'shutting down: no new syntheses taken' },
      },
    });
  });

  it('names each failing dependency and its error code, without hosts, ports or paths', async () => {
    const inference = new FakeInferenceProvider();
    inference.loaded = false;
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:3306'), {
      code: 'ECONNREFUSED',
    });
    const noBucket = Object.assign(new Error('The bucket voices-prod does not exist'), {
      name: 'NoSuchBucket',
    });
    const readiness = new ReadinessService(
      database(async () => {
        throw refused;
      }),
      storage(async () => {
        throw noBucket;
      }),
      inference,
      new SynthesisDrain(),
      inProcessRateLimitStore,
      CONFIG,
    );
    const result = await readiness.check();
    expect(result).toEqual({
      status: 'unavailable',
      checks: {
        database: {
          status: 'error',
          error: 'failed: ECONNREFUSED (the service log has the details)',
        },
        storage: {
          status: 'error',
          error: 'failed: NoSuchBucket (the service log has the details)',
        },
        model: {
          status: 'error',
          error: 'the model pack is not loaded (the service log says why)',
          test_pack: false,
        },
      },
    });
    expect(JSON.stringify(result)).not.toMatch(/10\.1\.2\.3|3306|voices-prod/);
  });

  it('tells nothing of an error without a code', async () => {
    const readiness = new ReadinessService(
      database(async () => {
        throw new Error('ENOENT /var/lib/secret/path');
      }),
      storage(ok),
      new FakeInferenceProvider(),
      new SynthesisDrain(),
      inProcessRateLimitStore,
      CONFIG,
    );
    expect((await readiness.check()).checks.database).toEqual({
      status: 'error',
      error: 'failed (the service log has the details)',
    });
  });

  it('gives up on a dependency that does not answer within 3 s', async () => {
    const hanging = () => new Promise<void>(() => undefined);
    const readiness = new ReadinessService(
      database(hanging),
      storage(ok),
      new FakeInferenceProvider(),
      new SynthesisDrain(),
      inProcessRateLimitStore,
      CONFIG,
    );
    const started = Date.now();
    const result = await readiness.check();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.status).toBe('unavailable');
    expect(result.checks.database).toEqual({ status: 'error', error: 'no answer within 3000 ms' });
  });

  it('reports the inference workers and is ready only once every one has loaded', async () => {
    const inference = new FakeInferenceProvider();
    const readinessWith = (status: InferenceStatus) => {
      vi.spyOn(inference, 'status').mockReturnValue(status);
      return new ReadinessService(
        database(ok),
        storage(ok),
        inference,
        new SynthesisDrain(),
        inProcessRateLimitStore,
        CONFIG,
      );
    };
    const all = await readinessWith({
      loaded: true,
      device: 'cpu',
      testPack: false,
      workers: { total: 2, loaded: 2, restarting: 0 },
    }).check();
    expect(all.status).toBe('ok');
    expect(all.checks.model).toEqual({
      status: 'ok',
      device: 'cpu',
      test_pack: false,
      workers: '2/2 loaded',
    });

    const restarting = await readinessWith({
      loaded: true,
      device: 'cpu',
      testPack: true,
      workers: { total: 2, loaded: 1, restarting: 1 },
    }).check();
    expect(restarting.status).toBe('unavailable');
    expect(restarting.checks.model).toEqual({
      status: 'error',
      error: 'not every inference worker has loaded the model: 1/2 loaded, 1 restarting',
      device: 'cpu',
      test_pack: true,
      workers: '1/2 loaded, 1 restarting',
    });

    const none = await readinessWith({
      loaded: false,
      error: 'missing CosyVoice2-0.5B_llm.onnx',
      testPack: false,
      workers: { total: 2, loaded: 0, restarting: 0 },
    }).check();
    expect(none.checks.model).toEqual({
      status: 'error',
      error: 'the model pack is not loaded (the service log says why)',
      test_pack: false,
      workers: '0/2 loaded',
    });
  });

  it('shows a rate-limit Redis that does not answer in its checks without failing readiness', async () => {
    const redis = new ThrottlerStorageRedisService('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    try {
      const readiness = new ReadinessService(
        database(ok),
        storage(ok),
        new FakeInferenceProvider(),
        new SynthesisDrain(),
        new RateLimitStoreProbe(redis),
        CONFIG,
      );
      const result = await readiness.check();
      expect(result.status).toBe('ok');
      expect(result.checks.rate_limit_store).toEqual({
        status: 'error',
        error: expect.stringMatching(/^failed/),
      });
    } finally {
      redis.redis.disconnect();
    }
  });

  it('fails the storage check below STORAGE_MIN_FREE_BYTES, naming the free space and the setting', async () => {
    const low = { ping: ok, freeBytes: async () => 512 * 1024 } as BlobStorage;
    const readiness = new ReadinessService(
      database(ok),
      low,
      new FakeInferenceProvider(),
      new SynthesisDrain(),
      inProcessRateLimitStore,
      CONFIG,
    );
    expect(await readiness.check()).toMatchObject({
      status: 'unavailable',
      checks: {
        storage: {
          status: 'error',
          error:
            '0.5 MiB free, below STORAGE_MIN_FREE_BYTES (1.0 MiB): uploads will soon fail with 507',
        },
      },
    });
    const roomy = { ping: ok, freeBytes: async () => 2 * 1024 * 1024 } as BlobStorage;
    const fine = new ReadinessService(
      database(ok),
      roomy,
      new FakeInferenceProvider(),
      new SynthesisDrain(),
      inProcessRateLimitStore,
      CONFIG,
    );
    expect((await fine.check()).checks.storage).toEqual({ status: 'ok' });
  });
});
