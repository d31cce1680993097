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
  logLevel: string;
}

export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'mysql'; url: string };

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

export interface InferenceConfig {
  modelDir: string;
  device: 'cpu' | 'cuda';
  /** CPU intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
  /** Text in pieces: `sentence` when not given. */
  textStreamMode?: TextStreamMode;
}

export interface SynthesisLimits {
  maxConcurrent: number;
  queueSize: number;
  maxTextLength: number;
}

export interface RealtimeLimits {
  idleTimeoutMs: number;
  maxFrameBytes: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
