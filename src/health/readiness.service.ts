import { Inject, Injectable, Logger } from '@nestjs/common';
import { DatabasePingRepository } from '../database/database-ping.repository.js';
import { INFERENCE_PROVIDER, InferenceProvider } from '../inference/inference.provider.js';
import type { InferenceStatus } from '../inference/inference.types.js';
import { SynthesisDrain } from '../lifecycle/synthesis-drain.js';
import { BLOB_STORAGE, BlobStorage } from '../storage/blob-storage.js';
import { ReadinessCheckDto, ReadinessChecksDto, ReadinessDto } from './dto/readiness.dto.js';

const CHECK_TIMEOUT_MS = 3000;

/**
 * Ready = the database answers a query, the blob storage answers a ping, and the speech model is
 * loaded in every inference worker. A replica without its model cannot synthesise, so it reports not ready and a load
 * balancer sends speech requests elsewhere (the reference-audio API keeps working on it). A
 * replica that is shutting down is not ready either, and says so in `checks.shutdown`.
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
  ) {}

  async check(): Promise<ReadinessDto> {
    const [database, storage] = await Promise.all([
      this.probe('database', () => this.database.ping()),
      this.probe('storage', () => this.storage.ping()),
    ]);
    const model = this.modelCheck();
    const checks: ReadinessChecksDto = { database, storage, model };
    if (this.drain.isDraining) {
      checks.shutdown = { status: 'error', error: 'shutting down: no new syntheses taken' };
    }
    const ready = Object.values(checks).every((check) => check.status === 'ok');
    return { status: ready ? 'ok' : 'unavailable', checks };
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

class CheckTimeout extends Error {
  override message = `no answer within ${CHECK_TIMEOUT_MS} ms`;
}

/** What a failed check may tell anyone: the error's code or class name, or the timeout. */
function publicReason(error: unknown): string {
  if (error instanceof CheckTimeout) {
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
