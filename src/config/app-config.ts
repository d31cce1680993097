/** The validated, typed settings of one running service. */
export interface AppConfig {
  host: string;
  port: number;
  /** Accepted bearer tokens; empty means the API is open (only allowed on loopback). */
  apiTokens: string[];
  database: DatabaseConfig;
  storage: StorageConfig;
  maxUploadBytes: number;
  /**
   * How long the objects of an upload that has not finished are left alone (ms); then the
   * background cleanup deletes what no row claims (leftovers of a killed process).
   */
  orphanGraceMs: number;
  /** Largest JSON request body in bytes (MAX_JSON_BODY_BYTES); larger bodies get 413. */
  maxJsonBodyBytes: number;
  inference: InferenceConfig;
  synthesis: SynthesisLimits;
  realtime: RealtimeLimits;
  /** How long a shutdown waits for in-flight syntheses before aborting them (ms). */
  shutdownGraceMs: number;
  /** Requests per minute per token (per client IP when the API is open); 0 = no limit. */
  rateLimitPerMinute: number;
  /** Wrong-token attempts per minute per client IP before the IP is refused (429); 0 = no limit. */
  authFailuresPerMinute: number;
  /** Where the rate-limit counts live: a Redis shared by every replica, or (unset) the process. */
  redisUrl?: string;
  /** Browser origins allowed to call the API (CORS): a list, `*` for any, empty for none. */
  corsOrigins: string[];
  /**
   * Which peers are trusted proxies whose X-Forwarded-For names the client (TRUST_PROXY):
   * none (false), all (true), the last N hops, or addresses and CIDR ranges.
   */
  trustProxy: TrustProxy;
  logLevel: string;
  /** Serve the web playground at `/` (UI_ENABLED). */
  uiEnabled: boolean;
}

export type TrustProxy = boolean | number | string[];

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | {
      type: 'mysql';
      url: string;
      /** Longest wait for a new connection (TCP and handshake), ms. */
      connectTimeoutMs: number;
      /** Longest wait for one query's answer, ms; then the query fails (503). */
      queryTimeoutMs: number;
    };

export type StorageConfig =
  | { driver: 'local'; dir: string }
  | {
      driver: 's3';
      endpoint?: string;
      region: string;
      bucket: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
    };

/**
 * How the engine synthesises text that arrives in pieces: `sentence` cuts complete sentences and
 * synthesises each (normalised); `bistream` feeds the pieces to the LLM as they arrive (the
 * official bistream schedule, one utterance, no normalisation).
 */
export type TextStreamMode = 'sentence' | 'bistream';

/** The onnxruntime execution providers INFERENCE_DEVICE can name (webgpu: Dawn over Vulkan). */
export const INFERENCE_DEVICES = ['cpu', 'cuda', 'webgpu'] as const;
export type InferenceDevice = (typeof INFERENCE_DEVICES)[number];

export interface InferenceConfig {
  modelDir: string;
  device: InferenceDevice;
  /** CPU intra-op threads per session; 0 = the cores split between the workers. */
  threads: number;
  /** Worker threads, each with its own sessions of the pack; 1 when not given. */
  workers?: number;
  /** Text in pieces: `sentence` when not given. */
  textStreamMode?: TextStreamMode;
}

export interface SynthesisLimits {
  maxConcurrent: number;
  queueSize: number;
  /** Longest wait for a slot before 503 ServerBusy (ms). */
  queueTimeoutMs: number;
  /** Longest wait for a streamed chunk (SSE event, WebSocket message) to be flushed (ms). */
  streamStallTimeoutMs: number;
  maxTextLength: number;
}

export interface RealtimeLimits {
  idleTimeoutMs: number;
  maxFrameBytes: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
