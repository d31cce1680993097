import type { Worker } from 'node:worker_threads';
import type { PcmAudio } from '../../audio/audio.types.js';
import type { InferenceConfig } from '../../config/app-config.js';
import { EngineFailedError } from '../inference.provider.js';
import type { SynthesisInput, VoiceFeatures } from '../inference.types.js';
import type {
  InferenceWorkerData,
  MainToWorkerMessage,
  WorkerToMainMessage,
} from './inference-worker.protocol.js';
import { RemoteSynthesis } from './remote-synthesis.js';
import { fromWorkerError } from './worker-error.kind.js';
import { startWorkerScript } from './worker-script.js';

/** How a worker's load ended. */
export type WorkerLoadOutcome =
  | { state: 'loaded'; device: string; testPack: boolean }
  /** The engine could not load the pack (`fatal`: the error, when it could not use the device). */
  | { state: 'failed'; message: string; fatal?: Error }
  /** The thread ended before it had loaded. */
  | { state: 'died'; message: string };

/** What the pool hears from one worker thread. */
export interface WorkerThreadEvents {
  log(message: Extract<WorkerToMainMessage, { type: 'log' }>): void;
  /** The thread ended without being asked to (crash, exception, out of memory, terminate). */
  died(thread: InferenceWorkerThread, reason: string): void;
}

interface PendingExtraction {
  resolve(features: VoiceFeatures): void;
  reject(error: unknown): void;
}

let nextRequestId = 1;

/**
 * One inference worker thread seen from the main thread: its load, the syntheses and feature
 * extractions it runs, and its death, which fails exactly its own requests with
 * EngineFailedError.
 */
export class InferenceWorkerThread {
  readonly loaded: Promise<WorkerLoadOutcome>;
  private readonly worker: Worker;
  private readonly syntheses = new Map<number, RemoteSynthesis>();
  private readonly extractions = new Map<number, PendingExtraction>();
  private settleLoad: (outcome: WorkerLoadOutcome) => void = () => undefined;
  private lastError: string | undefined;
  private closing = false;
  private exited = false;
  /** Seconds this thread spent in model sessions. */
  busySeconds = 0;

  constructor(
    config: InferenceConfig,
    private readonly events: WorkerThreadEvents,
  ) {
    this.loaded = new Promise((resolve) => {
      this.settleLoad = resolve;
    });
    const data: InferenceWorkerData = { config };
    this.worker = startWorkerScript('inference.worker', data);
    this.worker.on('message', (message: WorkerToMainMessage) => this.receive(message));
    this.worker.on('error', (error) => {
      this.lastError = error.message;
    });
    this.worker.on('exit', (code) => this.onExit(code));
  }

  /** Thread id of the worker (as `threadId` inside it). */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** Syntheses running on this thread. */
  get activeSyntheses(): number {
    return this.syntheses.size;
  }

  /** Syntheses and extractions running on this thread. */
  get activeRequests(): number {
    return this.syntheses.size + this.extractions.size;
  }

  /** Starts a synthesis here; iterate the result, then `stop()` it in every case. */
  synthesize(input: SynthesisInput): RemoteSynthesis {
    const id = nextRequestId++;
    const synthesis = new RemoteSynthesis(id, input, {
      post: (message) => this.post(message),
      ended: () => this.syntheses.delete(id),
    });
    this.syntheses.set(id, synthesis);
    synthesis.start();
    return synthesis;
  }

  extractVoiceFeatures(audio: PcmAudio, signal?: AbortSignal): Promise<VoiceFeatures> {
    signal?.throwIfAborted();
    const id = nextRequestId++;
    return new Promise<VoiceFeatures>((resolve, reject) => {
      const onAbort = (): void => this.post({ type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.extractions.delete(id);
      };
      this.extractions.set(id, {
        resolve: (features) => {
          settle();
          resolve(features);
        },
        reject: (error) => {
          settle();
          reject(signal?.aborted ? signal.reason : error);
        },
      });
      this.post({ type: 'extract', id, audio });
    });
  }

  /** Ends the thread; its requests fail as they would if it had crashed unless `quietly`. */
  async terminate(quietly = false): Promise<void> {
    this.closing = quietly;
    await this.worker.terminate();
  }

  /**
   * Makes the thread exit between two graph runs, as a crash would (its requests fail). Unlike
   * `terminate`, it never stops the thread inside a native session run, which can abort the
   * whole process inside onnxruntime.
   */
  crash(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ type: 'exit' });
    return exited;
  }

  /** Makes the thread's next graph run fail as onnxruntime's does on a lost GPU device. */
  drillGpuDeviceLoss(): void {
    this.post({ type: 'gpu-device-loss-drill' });
  }

  private post(message: MainToWorkerMessage): void {
    if (!this.exited) this.worker.postMessage(message);
  }

  private receive(message: WorkerToMainMessage): void {
    switch (message.type) {
      case 'loaded':
        this.settleLoad({ state: 'loaded', device: message.device, testPack: message.testPack });
        return;
      case 'load-failed':
        this.settleLoad({
          state: 'failed',
          message: message.error.message,
          fatal:
            message.error.kind === 'model-not-loaded' ? undefined : fromWorkerError(message.error),
        });
        return;
      case 'log':
        this.events.log(message);
        return;
      case 'features':
        this.busySeconds += message.busySeconds;
        this.extractions.get(message.id)?.resolve(message.features);
        return;
      case 'chunk':
        this.busySeconds += message.modelSeconds;
        this.syntheses.get(message.id)?.receive(message);
        return;
      case 'done':
        this.syntheses.get(message.id)?.receive(message);
        return;
      case 'failed':
        this.syntheses.get(message.id)?.receive(message);
        this.extractions.get(message.id)?.reject(fromWorkerError(message.error));
        return;
    }
  }

  private onExit(code: number): void {
    this.exited = true;
    const reason = `exit code ${code}${this.lastError ? `: ${this.lastError}` : ''}`;
    this.settleLoad({
      state: 'died',
      message: `the inference worker stopped while loading the model pack (${reason})`,
    });
    const error = new EngineFailedError(
      `the inference worker running this request stopped (${reason}); it is being replaced, retry the request`,
    );
    for (const synthesis of [...this.syntheses.values()]) synthesis.fail(error);
    for (const extraction of [...this.extractions.values()]) extraction.reject(error);
    if (!this.closing) this.events.died(this, reason);
  }
}
