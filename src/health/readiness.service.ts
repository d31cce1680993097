import { Inject, Injectable } from '@nestjs/common';
import { DatabasePingRepository } from '../database/database-ping.repository.js';
import { INFERENCE_PROVIDER, InferenceProvider } from '../inference/inference.provider.js';
import { SynthesisDrain } from '../lifecycle/synthesis-drain.js';
import { BLOB_STORAGE, BlobStorage } from '../storage/blob-storage.js';
import { ReadinessCheckDto, ReadinessChecksDto, ReadinessDto } from './dto/readiness.dto.js';

const CHECK_TIMEOUT_MS = 3000;

/**
 * Ready = the database answers a query, the blob storage answers a ping, and the speech model is
 * loaded. A replica without its model cannot synthesise, so it reports not ready and a load
 * balancer sends speech requests elsewhere (the reference-audio API keeps working on it). A
 * replica that is shutting down is not ready either, and says so in `checks.shutdown`.
 */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly database: DatabasePingRepository,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    @Inject(INFERENCE_PROVIDER) private readonly inference: InferenceProvider,
    private readonly drain: SynthesisDrain,
  ) {}

  async check(): Promise<ReadinessDto> {
    const [database, storage] = await Promise.all([
      probe(() => this.database.ping()),
      probe(() => this.storage.ping()),
    ]);
    const model = this.modelCheck();
    const checks: ReadinessChecksDto = { database, storage, model };
    if (this.drain.isDraining) {
      checks.shutdown = { status: 'error', error: 'shutting down: no new syntheses taken' };
    }
    const ready = Object.values(checks).every((check) => check.status === 'ok');
    return { status: ready ? 'ok' : 'unavailable', checks };
  }

  private modelCheck(): ReadinessCheckDto {
    const status = this.inference.status();
    return status.loaded
      ? { status: 'ok', device: status.device, test_pack: status.testPack }
      : { status: 'error', error: status.error ?? 'the model is not loaded', test_pack: false };
  }
}

async function probe(check: () => Promise<void>): Promise<ReadinessCheckDto> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check(), timeout]);
    return { status: 'ok' };
  } catch (error) {
    return { status: 'error', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
