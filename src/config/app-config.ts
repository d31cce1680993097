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
  // HTTP hardening (issue 20): request timeouts, connections per client, open-mode hosts.
  /** Longest time to receive a whole request, headers and body (REQUEST_TIMEOUT_MS); then 408. */
  requestTimeoutMs: number;
  /** Longest time to receive a request's headers (HEADERS_TIMEOUT_MS); then 408. */
  headersTimeoutMs: number;
  /** Open connections per client address (MAX_CLIENT_CONNECTIONS); 0 = no cap. */
  maxClientConnections: number;
  /** Host names besides the loopback ones that the open API (no API_TOKENS) answers. */
  allowedHosts: string[];
  logLevel: string;
  /** Serve the web playground at `/` (UI_ENABLED). */
  uiEnabled: boolean;
  /** OpenAI voices: what OpenAI's voice names mean here. */
  openai: OpenAiVoiceConfig;
  /** Input limits (issue 20): whole answers, upload admission, free storage for /ready. */
  inputLimits: InputLimits;
  /** Separated API and engine nodes: ENGINE_NODES, ENGINE_LISTEN, ENGINE_SECRET, ENGINE_SLOTS, ENGINE_TLS_*. */
  engine: EngineConfig;
}

/** OPENAI_VOICE_ALIASES and OPENAI_DEFAULT_VOICE, names lower-cased. */
export interface OpenAiVoiceConfig {
  /** `voice` name → the id or name of a stored voice. */
  voiceAliases: ReadonlyMap<string, string>;
  /** The stored voice (id or name) for an OpenAI preset name that is not aliased. */
  defaultVoice?: string;
}

/** Input limits (issue 20): whole answers, upload admission, free storage for /ready. */
export interface InputLimits {
  /** Longest audio of an answer delivered as one file, in seconds (MAX_WHOLE_ANSWER_SECONDS). */
  maxWholeAnswerSeconds: number;
  /** Uploads decoded and analysed at once (MAX_CONCURRENT_UPLOADS). */
  maxConcurrentUploads: number;
  /** Uploads waiting for a slot (UPLOAD_QUEUE_SIZE); more get 503 ServerBusy. */
  uploadQueueSize: number;
  /** Longest wait for an upload slot before 503 ServerBusy, ms (UPLOAD_QUEUE_WAIT_MS). */
  uploadQueueWaitMs: number;
  /** Local storage with less free space fails /ready (STORAGE_MIN_FREE_BYTES); 0 = not checked. */
  minFreeStorageBytes: number;
}

/** Separated API and engine nodes. */
export interface EngineConfig {
  /** API service: the engine nodes' addresses; empty = the engine runs in-process. */
  nodes: string[];
  /** Engine node: `host:port` it listens on. */
  listen: string;
  /** The shared secret in every call's metadata; required for a non-loopback ENGINE_LISTEN. */
  secret?: string;
  /** Engine node: syntheses it runs at once (ENGINE_SLOTS, or INFERENCE_WORKERS). */
  slots: number;
  /** TLS between the API service and its nodes: PEM file paths (none set = plaintext). */
  tls: EngineTlsConfig;
}

/**
 * ENGINE_TLS_CERT, ENGINE_TLS_KEY (both or neither), ENGINE_TLS_CA. Engine node: `cert` and `key`
 * turn TLS on, `ca` then requires client certificates it signed (mutual TLS). API service: `ca`
 * turns TLS on (the nodes' certificates must chain to it), `cert` and `key` are its client
 * certificate.
 */
export interface EngineTlsConfig {
  cert?: string;
  key?: string;
  ca?: string;
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
  // WebSocket output bounds (issue 20, item 3).
  /** Bytes a connection may have waiting to be sent (WS_MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
  /** Refused frames (task-failed without a task) before a close (WS_MAX_REFUSED_FRAMES). */
  maxRefusedFrames: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
