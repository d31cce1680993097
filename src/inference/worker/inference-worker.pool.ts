import { Logger } from '@nestjs/common';
import type { PcmAudio } from '../../audio/audio.types.js';
import type { InferenceConfig } from '../../config/app-config.js';
import { ModelNotLoadedError } from '../inference.provider.js';
import type {
  InferenceStatus,
  InferenceWorkerUsage,
  SynthesisInput,
  VoiceFeatures,
} from '../inference.types.js';
import type { WorkerToMainMessage } from './inference-worker.protocol.js';
import {
  InferenceWorkerThread,
  type WorkerLoadOutcome,
  type WorkerThreadEvents,
} from './inference-worker.thread.js';
import type { RemoteSynthesis } from './remote-synthesis.js';
import { threadsPerWorker } from './worker-threads.js';

/** Longest wait before a slot whose threads keep dying is started again. */
const MAX_RESTART_DELAY_MS = 30_000;

type SlotState = 'starting' | 'loaded' | 'restarting' | 'failed';

/** One place in the pool; its thread is replaced when it dies. */
interface WorkerSlot {
  index: number;
  thread: InferenceWorkerThread | undefined;
  state: SlotState;
  /** Why the pack did not load in this slot. */
  error?: string;
  restarts: number;
  /** Deaths since this slot last loaded: the restart delay grows with them. */
  crashesInARow: number;
  /** Busy seconds of the slot's earlier threads. */
  pastBusySeconds: number;
}

/**
 * INFERENCE_WORKERS worker threads, each with its own sessions of the model pack. Boot starts
 * them all at once; a synthesis or extraction goes to the loaded worker with the fewest
 * requests running. A worker that dies fails only its own requests and is replaced (at once,
 * then after a delay that doubles while replacements keep dying), loading the pack again.
 */
export class InferenceWorkerPool {
  private readonly logger = new Logger('InferenceWorkerPool');
  private readonly slots: WorkerSlot[];
  private readonly workerConfig: InferenceConfig;
  private device: string | undefined;
  private testPack = false;
  private booting = true;
  private closed = false;
  /** Log lines already written during boot: N workers loading one pack say the same things. */
  private readonly bootLines = new Set<string>();

  constructor(config: InferenceConfig, size: number) {
    this.workerConfig = { ...config, threads: threadsPerWorker(config, size) };
    this.slots = Array.from({ length: size }, (_, index) => ({
      index,
      thread: undefined,
      state: 'starting',
      restarts: 0,
      crashesInARow: 0,
      pastBusySeconds: 0,
    }));
  }

  /**
   * Starts every worker and waits until each has loaded or failed to load. A pack that does not
   * load leaves the pool unloaded with the loader's message; a device that cannot be used throws.
   */
  async start(): Promise<void> {
    const threads = this.workerConfig.threads;
    this.logger.log(
      `starting ${this.slots.length} inference workers on ${this.workerConfig.device}` +
        (this.workerConfig.device === 'cpu'
          ? ` (${threads > 0 ? threads : 'default'} intra-op threads each)`
          : ''),
    );
    const outcomes = await Promise.all(this.slots.map((slot) => this.launch(slot)));
    this.booting = false;
    this.bootLines.clear();
    for (const outcome of outcomes) {
      if (outcome.state === 'failed' && outcome.fatal) {
        await this.close();
        throw outcome.fatal;
      }
    }
    await Promise.all(
      this.slots.filter((slot) => slot.state === 'failed').map((slot) => this.retire(slot)),
    );
  }

  status(): InferenceStatus {
    const loaded = this.count('loaded');
    const workers = {
      total: this.slots.length,
      loaded,
      restarting: this.count('starting') + this.count('restarting'),
    };
    if (loaded > 0) return { loaded: true, device: this.device, testPack: this.testPack, workers };
    return { loaded: false, error: this.unloadedReason(), testPack: false, workers };
  }

  usage(): InferenceWorkerUsage[] {
    return this.slots.map((slot) => ({
      worker: slot.index,
      activeSyntheses: slot.thread?.activeSyntheses ?? 0,
      busySeconds: slot.pastBusySeconds + (slot.thread?.busySeconds ?? 0),
      restarts: slot.restarts,
    }));
  }

  /** Starts a synthesis on the least busy loaded worker; throws ModelNotLoadedError if none. */
  synthesize(input: SynthesisInput): RemoteSynthesis {
    return this.pick().synthesize(input);
  }

  extractVoiceFeatures(audio: PcmAudio, signal?: AbortSignal): Promise<VoiceFeatures> {
    return this.pick().extractVoiceFeatures(audio, signal);
  }

  /** Throws ModelNotLoadedError unless some worker can take a request now. */
  requireLoaded(): void {
    if (this.count('loaded') === 0) throw new ModelNotLoadedError(this.unloadedReason());
  }

  /**
   * Ends the thread of slot `index` as a crash would (at its next pause between graph runs): its
   * requests fail and the slot restarts. For fault tests and operators' drills.
   */
  async terminateWorker(index: number): Promise<void> {
    await this.slots[index]?.thread?.crash();
  }

  /**
   * Makes the next graph run of slot `index` fail as on a lost GPU device (on a GPU device the
   * worker then ends and is replaced). For fault tests and operators' drills.
   */
  drillGpuDeviceLoss(index: number): void {
    this.slots[index]?.thread?.drillGpuDeviceLoss();
  }

  /** Ends every worker; none is restarted afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.thread?.terminate(true)));
  }

  private pick(): InferenceWorkerThread {
    let best: InferenceWorkerThread | undefined;
    for (const slot of this.slots) {
      const thread = slot.thread;
      if (slot.state !== 'loaded' || !thread) continue;
      if (!best || thread.activeRequests < best.activeRequests) best = thread;
    }
    if (!best) throw new ModelNotLoadedError(this.unloadedReason());
    return best;
  }

  private async launch(slot: WorkerSlot): Promise<WorkerLoadOutcome> {
    const events: WorkerThreadEvents = {
      log: (message) => this.writeLog(slot, message),
      died: (thread, reason) => this.onDied(slot, thread, reason),
    };
    const thread = new InferenceWorkerThread(this.workerConfig, events);
    slot.thread = thread;
    const outcome = await thread.loaded;
    if (slot.thread !== thread || this.closed) return outcome;
    if (outcome.state === 'loaded') {
      slot.state = 'loaded';
      slot.crashesInARow = 0;
      slot.error = undefined;
      this.device = outcome.device;
      this.testPack = outcome.testPack;
      if (!this.booting) this.logger.log(`inference worker ${slot.index} loaded the pack again`);
    } else if (outcome.state === 'failed') {
      slot.state = 'failed';
      slot.error = outcome.message;
      if (!this.booting) {
        this.logger.error(
          `inference worker ${slot.index} could not load the pack: ${outcome.message}`,
        );
        await this.retire(slot);
      }
    }
    return outcome;
  }

  /** Ends the thread of a slot whose pack did not load: it could never serve a request. */
  private async retire(slot: WorkerSlot): Promise<void> {
    const thread = slot.thread;
    if (slot.state !== 'loaded') slot.state = 'failed';
    slot.thread = undefined;
    if (thread) slot.pastBusySeconds += thread.busySeconds;
    await thread?.terminate(true);
  }

  private onDied(slot: WorkerSlot, thread: InferenceWorkerThread, reason: string): void {
    if (slot.thread !== thread || this.closed) return;
    slot.thread = undefined;
    slot.pastBusySeconds += thread.busySeconds;
    slot.restarts++;
    slot.state = 'restarting';
    const delay =
      slot.crashesInARow === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** slot.crashesInARow);
    slot.crashesInARow++;
    this.logger.error(
      `inference worker ${slot.index} stopped (${reason}); its requests failed, ` +
        `a new worker loads the pack${delay > 0 ? ` in ${delay} ms` : ''}`,
    );
    setTimeout(() => {
      if (!this.closed) void this.launch(slot);
    }, delay);
  }

  private writeLog(slot: WorkerSlot, line: Extract<WorkerToMainMessage, { type: 'log' }>): void {
    if (this.booting) {
      const key = `${line.level}\u0000${line.context}\u0000${line.message}`;
      if (this.bootLines.has(key)) return;
      this.bootLines.add(key);
    }
    const message = this.booting ? line.message : `[worker ${slot.index}] ${line.message}`;
    new Logger(line.context)[line.level](message);
  }

  private count(state: SlotState): number {
    return this.slots.filter((slot) => slot.state === state).length;
  }

  private unloadedReason(): string {
    const failed = this.slots.find((slot) => slot.state === 'failed' && slot.error);
    if (failed?.error) return failed.error;
    if (this.closed) return 'the engine has been shut down';
    if (this.booting) return 'the CosyVoice2 model pack has not been loaded yet';
    return `the inference workers are restarting (0/${this.slots.length} loaded)`;
  }
}
