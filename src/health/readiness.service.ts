import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimitStoreProbe } from '../common/rate-limit.storage.js';
import { DatabasePingRepository } from '../database/database-ping.repository.js';
import { INFERENCE_PROVIDER, InferenceProvider } from '../inference/inference.provider.js';
import type { InferenceStatus } from '../inference/inference.types.js';
import { SynthesisDrain } from '../lifecycle/synthesis-drain.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { BLOB_STORAGE, BlobStorage } from '../storage/blob-storage.js';
import { ReadinessCheckDto, ReadinessChecksDto, ReadinessDto } from './dto/readiness.dto.js';

const CHECK_TIMEOUT_MS = 3000;

/**
 * Ready = the database answers a query, the blob storage answers a ping and (a local directory)
 * has at least STORAGE_MIN_FREE_BYTES free, and the speech model is
 * loaded in every inference worker. A replica without its model cannot synthesise, so it reports not ready and a load
 * balancer sends speech requests elsewhere (the reference-audio API keeps working on it). A
 * replica that is shutting down is not ready either, and says so in `checks.shutdown`.
 * With the rate-limit counts in Redis, `checks.rate_limit_store` says whether it answers, but does
 * not fail readiness: every replica shares that Redis, so failing them all would turn its outage
 * into a full one, while the limits fail open and synthesis goes on (see RateLimitService).
 *
 * /ready is public, so a failed check names only what failed and the error's code (ECONNREFUSED,
 * ENOTDIR, NoSuchBucket, a timeout), never a host, a port or a path: the full error goes to the
 * log, once each time a check starts failing or fails differently.
 */
@Injectable()
export class ReadinessService {
  private readonly logger = new Logger(ReadinessService.name);
  private readonly lastFailures = new Map<string, string>();

  constructor(
    private readonly database: DatabasePingRepository,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    @Inject(INFERENCE_PROVIDER) private readonly inference: InferenceProvider,
    private readonly drain: SynthesisDrain,
    private readonly rateLimitStore: RateLimitStoreProbe,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(): Promise<ReadinessDto> {
    const [database, storage] = await Promise.all([
      this.probe('database', () => this.database.ping()),
      this.probe('storage', () => this.storageCheck()),
    ]);
    const model = this.modelCheck();
    const checks: ReadinessChecksDto = { database, storage, model };
    if (this.drain.isDraining) {
      checks.shutdown = { status: 'error', error: 'shutting down: no new syntheses taken' };
    }
    const ready = Object.values(checks).every((check) => check.status === 'ok');
    if (this.rateLimitStore.isRedis) {
      checks.rate_limit_store = await this.probe('rate_limit_store', () =>
        this.rateLimitStore.ping(),
      );
    }
    return { status: ready ? 'ok' : 'unavailable', checks };
  }

  /**
   * The storage answers a ping and, where its free space is known, has at least
   * STORAGE_MIN_FREE_BYTES: below that /ready fails before uploads start failing with 507, so
   * an operator (or the load balancer) acts while the replica still works. The replica could
   * still synthesise; pulling it is the price of a warning that is never missed.
   */
  private async storageCheck(): Promise<void> {
    await this.storage.ping();
    const minimum = this.config.inputLimits.minFreeStorageBytes;
    if (minimum === 0 || !this.storage.freeBytes) {
      return;
    }
    const free = await this.storage.freeBytes();
    if (free < minimum) {
      throw new StorageLowError(free, minimum);
    }
  }

  /** Ok once every inference worker has loaded; `workers` says how many have (e.g. "2/2 loaded"). */
  private modelCheck(): ReadinessCheckDto {
    const status = this.inference.status();
    if (status.fleet) {
      return {
        status: 'ok',
        device: status.device,
        test_pack: status.testPack,
        engines: fleetText(status.fleet),
      };
    }
    const workers = status.workers && workersText(status.workers);
    const pool = workers ? { workers } : {};
    if (!status.loaded) {
      this.logFailure('model', status.error ?? 'the model is not loaded');
      return {
        status: 'error',
        error: 'the model pack is not loaded (the service log says why)',
        test_pack: false,
        ...pool,
      };
    }
    this.lastFailures.delete('model');
    if (status.workers && status.workers.loaded < status.workers.total) {
      return {
        status: 'error',
        error: `not every inference worker has loaded the model: ${workers}`,
        device: status.device,
        test_pack: status.testPack,
        ...pool,
      };
    }
    return { status: 'ok', device: status.device, test_pack: status.testPack, ...pool };
  }

  private async probe(name: string, check: () => Promise<void>): Promise<ReadinessCheckDto> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeout()), CHECK_TIMEOUT_MS);
    });
    try {
      await Promise.race([check(), timeout]);
      this.lastFailures.delete(name);
      return { status: 'ok' };
    } catch (error) {
      this.logFailure(
        name,
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      );
      return { status: 'error', error: publicReason(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  private logFailure(name: string, detail: string): void {
    if (this.lastFailures.get(name) !== detail) {
      this.lastFailures.set(name, detail);
      this.logger.warn(`readiness check ${name} failed: ${detail}`);
    }
  }
}

function workersText(workers: NonNullable<InferenceStatus['workers']>): string {
  const restarting = workers.restarting > 0 ? `, ${workers.restarting} restarting` : '';
  return `${workers.loaded}/${workers.total} loaded${restarting}`;
}

/** Less free space than STORAGE_MIN_FREE_BYTES; its message is safe to show on /ready. */
class StorageLowError extends Error {
  override readonly name = 'StorageLowError';

  constructor(free: number, minimum: number) {
    super(
      `${mebibytes(free)} MiB free, below STORAGE_MIN_FREE_BYTES (${mebibytes(minimum)} MiB): ` +
        'uploads will soon fail with 507',
    );
  }
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

class CheckTimeout extends Error {
  override message = `no answer within ${CHECK_TIMEOUT_MS} ms`;
}

/** What a failed check may tell anyone: the error's code or class name, or the timeout. */
function publicReason(error: unknown): string {
  if (error instanceof CheckTimeout || error instanceof StorageLowError) {
    return error.message;
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code)) {
    return `failed: ${code} (the service log has the details)`;
  }
  const name = error instanceof Error ? error.name : '';
  return name && name !== 'Error'
    ? `failed: ${name} (the service log has the details)`
    : 'failed (the service log has the details)';
}

/**
 * The engine nodes in one line, e.g. `3 nodes, 2 ready, 5/8 slots free`. The check stays ok with
 * no ready node: the service still answers (syntheses get 503 ServerBusy with Retry-After), and
 * an orchestrator that pulled every API replica would give clients connection errors instead.
 */
function fleetText(fleet: NonNullable<InferenceStatus['fleet']>): string {
  return (
    `${fleet.nodes} node${fleet.nodes === 1 ? '' : 's'}, ${fleet.ready} ready, ` +
    `${fleet.slotsFree}/${fleet.slotsTotal} slots free`
  );
}
