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

  it('names each failing dependency and its error', async () => {
    const inference = new FakeInferenceProvider();
    inference.loaded = false;
    const readiness = new ReadinessService(
      database(async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
      }),
      storage(async () => {
        throw new Error('NoSuchBucket');
      }),
      inference,
      new SynthesisDrain(),
    );
    expect(await readiness.check()).toEqual({
      status: 'unavailable',
      checks: {
        database: { status: 'error', error: 'connect ECONNREFUSED 127.0.0.1:3306' },
        storage: { status: 'error', error: 'NoSuchBucket' },
        model: { status: 'error', error: 'no model', test_pack: false },
      },
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
