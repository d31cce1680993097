import {
  Metadata,
  Server,
  type ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import {
  ENGINE_PROTO_VERSION,
  ERROR_KIND_METADATA_KEY,
  engineService,
  type ExtractRequest,
  type HealthStatus,
  healthService,
  MAX_MESSAGE_BYTES,
  type NodeStatus,
  type WireVoiceFeatures,
} from '../inference/grpc/engine-proto.js';
import { audioFromWire, errorKindToWire, voiceToWire } from '../inference/grpc/engine-wire.js';
import type { InferenceWorkerPool } from '../inference/worker/inference-worker.pool.js';
import { toWorkerError } from '../inference/worker/worker-error.kind.js';
import type { ListenAddress } from './engine-node.config.js';
import { refuseWithoutSecret } from './engine-secret.js';
import { NodeSynthesisCall, type SynthesisCall } from './node-synthesis.call.js';

/**
 * The least a drained node waits for its ended calls to be read before it closes them (it waits
 * for what is left of the grace period, and at least this).
 */
const MIN_CLOSE_WAIT_MS = 2000;

/** The Engine service's name, as a health check names it. */
const ENGINE_SERVICE_NAME = `${ENGINE_PROTO_VERSION}.Engine`;

/**
 * HTTP/2 settings of the node's server. Clients ping every few seconds to find a hung node, and
 * servers that police pings (gRPC C-core: one every 5 minutes by default) answer faster pings
 * with GOAWAY "too_many_pings": these allow one a second, with or without calls. The node pings
 * its clients too, so a vanished API service's calls end and free their slots.
 */
const SERVER_OPTIONS = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 1000,
  'grpc.http2.min_time_between_pings_ms': 1000,
  'grpc.http2.max_pings_without_data': 0,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
};

export interface EngineNodeOptions {
  address: ListenAddress;
  secret: string | undefined;
  /** Plaintext, TLS or mutual TLS (engineServerCredentials). */
  credentials: ServerCredentials;
  /** Syntheses this node runs at once. */
  slots: number;
  /** sha256 of the pack's manifest. */
  packHash: string;
}

/**
 * An engine node's gRPC server: the Engine service over one worker pool (each call checked for
 * the shared secret), and the standard health service (no secret, for orchestrators' probes),
 * SERVING while the pack is loaded and the node takes work. `drain()` stops taking work and
 * waits for the syntheses it has.
 */
export class EngineNodeServer {
  private readonly logger = new Logger('EngineNode');
  private readonly server = new Server(SERVER_OPTIONS);
  private readonly running = new Set<Promise<void>>();
  private readonly watchers = new Set<ServerWritableStream<unknown, { status: HealthStatus }>>();
  private draining = false;

  constructor(
    private readonly pool: InferenceWorkerPool,
    private readonly options: EngineNodeOptions,
  ) {
    this.server.addService(engineService().service, {
      Synthesize: (call: SynthesisCall) => this.synthesize(call),
      ExtractVoiceFeatures: (
        call: ServerUnaryCall<ExtractRequest, WireVoiceFeatures>,
        callback: sendUnaryData<WireVoiceFeatures>,
      ) => void this.extract(call, callback),
      Describe: (call: ServerUnaryCall<object, NodeStatus>, callback: sendUnaryData<NodeStatus>) =>
        this.describe(call.metadata, callback),
    });
    this.server.addService(healthService().service, {
      Check: (
        call: ServerUnaryCall<{ service: string }, { status: HealthStatus }>,
        callback: sendUnaryData<{ status: HealthStatus }>,
      ) => {
        const status = this.healthOf(call.request.service);
        if (status === 'SERVICE_UNKNOWN') {
          callback({
            code: GrpcStatus.NOT_FOUND,
            details: `unknown service ${call.request.service}`,
          });
        } else {
          callback(null, { status });
        }
      },
      Watch: (call: ServerWritableStream<{ service: string }, { status: HealthStatus }>) => {
        call.write({ status: this.healthOf(call.request.service) });
        this.watchers.add(call);
        call.on('cancelled', () => this.watchers.delete(call));
      },
    });
  }

  /** Binds ENGINE_LISTEN; resolves with the port (the one chosen when ENGINE_LISTEN's is 0). */
  listen(): Promise<number> {
    const { host, port } = this.options.address;
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(target, this.options.credentials, (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
  }

  /** Syntheses running now. */
  get activeSyntheses(): number {
    return this.running.size;
  }

  /** SERVING once the pack is loaded, NOT_SERVING before it and while the node drains. */
  private get serving(): boolean {
    return !this.draining && this.pool.status().loaded;
  }

  /** The node's state changed: health watchers hear it. */
  notifyHealth(): void {
    for (const watcher of this.watchers) watcher.write({ status: this.healthOf('') });
  }

  /**
   * Takes no new synthesis (health NOT_SERVING, new calls refused with UNAVAILABLE, which the
   * API service retries on another node), waits up to `graceMs` for the running ones to end,
   * then closes every call and the listener.
   */
  async drain(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    this.draining = true;
    this.notifyHealth();
    this.logger.log(`draining: ${this.running.size} syntheses running, up to ${graceMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.running]), graceOver]);
    clearTimeout(timer);
    if (this.running.size > 0) {
      this.logger.warn(`grace period over: ${this.running.size} syntheses are cut off`);
    }
    for (const watcher of this.watchers) watcher.end();
    await this.shutdown(Math.max(MIN_CLOSE_WAIT_MS, deadline - Date.now()));
  }

  /**
   * Closes the listener and lets the calls that have ended flush their last message and status
   * (a forced shutdown could cut off the last chunks and `done` of a synthesis that has just
   * finished but that a slow client has not read yet); what is still open after `waitMs` is cut
   * off.
   */
  private shutdown(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, waitMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private synthesize(call: SynthesisCall): void {
    const refusal =
      refuseWithoutSecret(call.metadata, this.options.secret) ??
      (this.draining
        ? { code: GrpcStatus.UNAVAILABLE, details: 'the engine node is shutting down' }
        : !this.pool.status().loaded
          ? { code: GrpcStatus.UNAVAILABLE, details: 'the engine node has not loaded its pack' }
          : this.running.size >= this.options.slots
            ? {
                code: GrpcStatus.RESOURCE_EXHAUSTED,
                details: `every slot of the engine node is taken (${this.options.slots})`,
              }
            : undefined);
    if (refusal) {
      call.emit('error', refusal);
      return;
    }
    const run = new NodeSynthesisCall(call, this.pool).run();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private async extract(
    call: ServerUnaryCall<ExtractRequest, WireVoiceFeatures>,
    callback: sendUnaryData<WireVoiceFeatures>,
  ): Promise<void> {
    const refusal = refuseWithoutSecret(call.metadata, this.options.secret);
    if (refusal) {
      callback(refusal);
      return;
    }
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    try {
      const features = await this.pool.extractVoiceFeatures(
        audioFromWire(call.request),
        controller.signal,
      );
      callback(null, voiceToWire(features));
    } catch (error) {
      const kind = errorKindToWire(toWorkerError(error, controller.signal.aborted).kind);
      const metadata = new Metadata();
      metadata.set(ERROR_KIND_METADATA_KEY, kind);
      callback({ code: GrpcStatus.ABORTED, details: (error as Error).message, metadata });
    }
  }

  private describe(metadata: Metadata, callback: sendUnaryData<NodeStatus>): void {
    const refusal = refuseWithoutSecret(metadata, this.options.secret);
    if (refusal) {
      callback(refusal);
      return;
    }
    const status = this.pool.status();
    callback(null, {
      protoVersion: ENGINE_PROTO_VERSION,
      packHash: this.options.packHash,
      ready: this.serving,
      slotsTotal: this.options.slots,
      slotsFree: Math.max(0, this.options.slots - this.running.size),
      device: status.device ?? '',
      testPack: status.testPack,
    });
  }

  private healthOf(service: string): HealthStatus {
    if (service !== '' && service !== ENGINE_SERVICE_NAME) return 'SERVICE_UNKNOWN';
    return this.serving ? 'SERVING' : 'NOT_SERVING';
  }
}
