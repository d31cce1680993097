import {
  type ChannelCredentials,
  type Client,
  Metadata,
  type ServiceError,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import {
  ENGINE_PROTO_VERSION,
  engineService,
  MAX_MESSAGE_BYTES,
  type NodeStatus,
  SECRET_METADATA_KEY,
} from '../grpc/engine-proto.js';

/** How often a node is asked for its state, and the deadline of that question. */
export const DESCRIBE_INTERVAL_MS = 1000;
const DESCRIBE_DEADLINE_MS = 1000;
/**
 * Answers in a row a node may miss by the deadline before it counts as down: one late answer on
 * a loaded host is not a hung node, two are (a node that refuses the connection is down at once).
 */
const LATE_ANSWERS_UNTIL_DOWN = 2;

/**
 * The channel's HTTP/2 keepalive: a ping every 2 s on a connection, which fails its calls when no
 * answer comes within 2 s, so a node that hangs or vanishes without a FIN ends its calls in
 * about 4 s (the node's server allows pings that often).
 */
const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 2000,
  'grpc.keepalive_timeout_ms': 2000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2000,
};

/** What the API service knows of one engine node. */
export interface EngineNodeUsage {
  /** `host:port` of the node. */
  node: string;
  ready: boolean;
  /** Its slots, and the syntheses this API service runs on it now. */
  slotsTotal: number;
  slotsInUse: number;
  /** Audio chunks received from the node that the transports have not taken yet. */
  chunksBuffered: number;
  dispatches: number;
  failures: number;
  retries: number;
}

/** How the API service reaches its nodes: ENGINE_SECRET and the channel's credentials. */
export interface EngineNodeAccess {
  secret: string | undefined;
  /** Plaintext or TLS (engineChannelCredentials). */
  credentials: ChannelCredentials;
}

/** A typed Engine client (proto-loader's clients are untyped). */
export type EngineClient = Client & Record<string, (...args: unknown[]) => unknown>;

/**
 * One engine node address: its own channel, its state asked every second (Describe: ready, free
 * slots, pack hash, proto version; a node that does not answer within the deadline counts as not
 * ready), and what this API service dispatched to it.
 */
export class EngineNodeClient {
  private readonly logger = new Logger('EngineFleet');
  readonly client: EngineClient;
  /** The node's last answer, or undefined while it does not answer. */
  status: NodeStatus | undefined;
  /** The status code of the last Describe that failed, while the node does not answer. */
  private failingWith: GrpcStatus | undefined;
  inFlight = 0;
  /** Chunks received from the node and not yet taken (each call holds at most its credit). */
  chunksBuffered = 0;
  dispatches = 0;
  failures = 0;
  retries = 0;
  /** Counts the node's answers: a dispatch knows whether the latest one came after it. */
  private statusGeneration = 0;
  /** Dispatches since the node's last answer still running (its `slotsFree` misses them). */
  private startedSinceStatus = 0;
  /** Syntheses the node's last answer counted as running that have ended since. */
  private endedSinceStatus = 0;
  /** The node refused a synthesis as full since its last answer. */
  private fullSinceStatus = false;
  private lateAnswers = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  /**
   * `serverName`: the name the node's TLS certificate must carry when it is not the address's
   * host (the DNS name of a `dns:///` entry, whose addresses are IPs).
   */
  constructor(
    readonly address: string,
    private readonly access: EngineNodeAccess,
    serverName: string | undefined,
    private readonly changed: () => void,
  ) {
    const options = serverName
      ? { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': serverName }
      : CHANNEL_OPTIONS;
    this.client = new (engineService())(
      address,
      access.credentials,
      options,
    ) as unknown as EngineClient;
    this.timer = setInterval(() => this.describe(), DESCRIBE_INTERVAL_MS);
    this.timer.unref();
    this.describe();
  }

  /** The metadata of every call: the shared secret. */
  metadata(): Metadata {
    const metadata = new Metadata();
    if (this.access.secret !== undefined) metadata.set(SECRET_METADATA_KEY, this.access.secret);
    return metadata;
  }

  /** Answers Describe, serves this proto version and takes work. */
  get ready(): boolean {
    return this.status?.ready === true && this.status.protoVersion === ENGINE_PROTO_VERSION;
  }

  /**
   * Slots free as far as this API service knows: the node's last report, less what this service
   * started there since and still runs, plus what the report counted as running and has ended
   * since (never more than the slots this service does not use itself).
   */
  get freeSlots(): number {
    if (!this.status || this.fullSinceStatus) return 0;
    return Math.max(
      0,
      Math.min(
        this.status.slotsFree - this.startedSinceStatus + this.endedSinceStatus,
        this.status.slotsTotal - this.inFlight,
      ),
    );
  }

  /** A synthesis goes to this node; call the returned function once it has ended. */
  dispatch(retry: boolean): () => void {
    this.dispatches++;
    if (retry) this.retries++;
    this.startedSinceStatus++;
    this.inFlight++;
    const generation = this.statusGeneration;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      if (generation === this.statusGeneration) this.startedSinceStatus--;
      else this.endedSinceStatus++;
      this.changed();
    };
  }

  /** The node refused a synthesis for want of a slot: no more until its next report. */
  refusedAsFull(): void {
    this.fullSinceStatus = true;
  }

  /** A dispatch to this node failed (refused, broken off, or the node's worker died). */
  failed(): void {
    this.failures++;
  }

  usage(): EngineNodeUsage {
    return {
      node: this.address,
      ready: this.ready,
      slotsTotal: this.status?.slotsTotal ?? 0,
      slotsInUse: this.inFlight,
      chunksBuffered: this.chunksBuffered,
      dispatches: this.dispatches,
      failures: this.failures,
      retries: this.retries,
    };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.client.close();
  }

  /**
   * Logs when the node stops answering, with the reason (refused, TLS, secret), again when the
   * reason's status code changes (its text carries timestamps), and when it answers again.
   */
  private noteAnswer(error: ServiceError | null): void {
    if (error && error.code !== this.failingWith) {
      this.logger.warn(
        `engine node ${this.address} cannot be used: ${GrpcStatus[error.code]}: ${error.details}`,
      );
    } else if (!error && this.failingWith !== undefined) {
      this.logger.log(`engine node ${this.address} answers again`);
    }
    this.failingWith = error?.code;
  }

  private describe(): void {
    if (this.closed) return;
    const describe = this.client.Describe as (
      request: object,
      metadata: Metadata,
      options: { deadline: number },
      callback: (error: ServiceError | null, status?: NodeStatus) => void,
    ) => void;
    describe.call(
      this.client,
      {},
      this.metadata(),
      { deadline: Date.now() + DESCRIBE_DEADLINE_MS },
      (error, status) => {
        if (this.closed) return;
        this.lateAnswers = error?.code === GrpcStatus.DEADLINE_EXCEEDED ? this.lateAnswers + 1 : 0;
        if (error && this.lateAnswers > 0 && this.lateAnswers < LATE_ANSWERS_UNTIL_DOWN) return;
        this.status = error ? undefined : status;
        this.noteAnswer(error);
        this.statusGeneration++;
        this.startedSinceStatus = 0;
        this.endedSinceStatus = 0;
        this.fullSinceStatus = false;
        this.changed();
      },
    );
  }
}
