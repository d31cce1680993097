import { describe, expect, it } from 'vitest';
import type { DatabasePingRepository } from '../../../src/database/database-ping.repository.js';
import { ReadinessService } from '../../../src/health/readiness.service.js';
import { SynthesisDrain } from '../../../src/lifecycle/synthesis-drain.js';
import type { BlobStorage } from '../../../src/storage/blob-storage.js';
import { FakeInferenceProvider } from '../../support/fake-inference.provider.js';

function database(ping: () => Promise<void>): DatabasePingRepository {
  return { ping } as DatabasePingRepository;
}

function storage(ping: () => Promise<void>): BlobStorage {
  return { ping } as BlobStorage;
}

const ok = async (): Promise<void> => undefined;

describe('ReadinessService', () => {
  it('is ready when database, storage and model are all ok', async () => {
    const readiness = new ReadinessService(
      database(ok),
      storage(ok),
      new FakeInferenceProvider(),
      new SynthesisDrain(),
    );
    expect(await readiness.check()).toEqual({
      status: 'ok',
      checks: {
        database: { status: 'ok' },
        storage: { status: 'ok' },
        model: { status: 'ok', device: 'fake' },
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
    );
    await drain.drain(0);
    expect(await readiness.check()).toEqual({
      status: 'unavailable',
      checks: {
        database: { status: 'ok' },
        storage: { status: 'ok' },
        model: { status: 'ok', device: 'fake' },
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
    );
    const started = Date.now();
    const result = await readiness.check();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.status).toBe('unavailable');
    expect(result.checks.database).toEqual({ status: 'error', error: 'no answer within 3000 ms' });
  });
});
