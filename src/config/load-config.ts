import proxyAddr from '@fastify/proxy-addr';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isIP } from 'node:net';
import {
  AppConfig,
  DatabaseConfig,
  EngineTlsConfig,
  OpenAiVoiceConfig,
  StorageConfig,
  TrustProxy,
} from './app-config.js';
import { EnvironmentVariables } from './environment.variables.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Reads and validates the environment; throws a ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const vars = plainToInstance(EnvironmentVariables, defined, { exposeDefaultValues: true });
  const errors = validateSync(vars, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const reasons = Object.values(error.constraints ?? {}).join('; ');
      return `${error.property}=${JSON.stringify(defined[error.property] ?? null)}: ${reasons}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }

  const apiTokens = vars.API_TOKENS ? vars.API_TOKENS.split(',') : [];
  assertTokensLongEnough(apiTokens);
  if (apiTokens.length === 0 && !isLoopbackHost(vars.HOST)) {
    throw new ConfigError(
      `API_TOKENS is required when HOST=${vars.HOST} is not a loopback address ` +
        '(set API_TOKENS=token1,token2 or bind HOST=127.0.0.1)',
    );
  }

  return {
    host: vars.HOST,
    port: vars.PORT,
    apiTokens,
    database: databaseConfig(vars),
    storage: storageConfig(vars),
    maxUploadBytes: vars.MAX_UPLOAD_BYTES,
    orphanGraceMs: vars.ORPHAN_GRACE_SECONDS * 1000,
    maxJsonBodyBytes: vars.MAX_JSON_BODY_BYTES,
    inference: {
      modelDir: vars.MODEL_DIR,
      device: vars.INFERENCE_DEVICE,
      threads: vars.INFERENCE_THREADS,
      workers: inferenceWorkers(vars, defined),
      textStreamMode: vars.TEXT_STREAM_MODE,
    },
    synthesis: {
      maxConcurrent: vars.MAX_CONCURRENT_SYNTHESES,
      queueSize: vars.SYNTHESIS_QUEUE_SIZE,
      queueTimeoutMs: vars.SYNTHESIS_QUEUE_WAIT_MS,
      streamStallTimeoutMs: vars.STREAM_STALL_TIMEOUT_MS,
      maxTextLength: vars.MAX_TEXT_LENGTH,
    },
    realtime: {
      idleTimeoutMs: vars.WS_IDLE_TIMEOUT_MS,
      maxFrameBytes: vars.WS_MAX_FRAME_BYTES,
      // WebSocket output bounds (issue 20, item 3).
      maxBufferedBytes: vars.WS_MAX_BUFFERED_BYTES,
      maxRefusedFrames: vars.WS_MAX_REFUSED_FRAMES,
    },
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: vars.AUTH_FAILURES_PER_MINUTE,
    redisUrl: vars.REDIS_URL,
    corsOrigins: vars.CORS_ORIGINS ? vars.CORS_ORIGINS.split(',') : [],
    trustProxy: trustProxyOf(vars.TRUST_PROXY),
    // HTTP hardening (issue 20): request timeouts, connections per client, open-mode hosts.
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: requestHeadersTimeout(vars),
    maxClientConnections: vars.MAX_CLIENT_CONNECTIONS,
    allowedHosts: vars.ALLOWED_HOSTS ? vars.ALLOWED_HOSTS.toLowerCase().split(',') : [],
    logLevel: vars.LOG_LEVEL,
    uiEnabled: vars.UI_ENABLED === 'true',
    openai: openAiVoiceConfig(vars),
    inputLimits: {
      maxWholeAnswerSeconds: vars.MAX_WHOLE_ANSWER_SECONDS,
      maxConcurrentUploads: vars.MAX_CONCURRENT_UPLOADS,
      uploadQueueSize: vars.UPLOAD_QUEUE_SIZE,
      uploadQueueWaitMs: vars.UPLOAD_QUEUE_WAIT_MS,
      minFreeStorageBytes: vars.STORAGE_MIN_FREE_BYTES,
    },
    engine: {
      nodes: vars.ENGINE_NODES ? vars.ENGINE_NODES.split(',') : [],
      listen: vars.ENGINE_LISTEN,
      secret: vars.ENGINE_SECRET,
      slots: vars.ENGINE_SLOTS > 0 ? vars.ENGINE_SLOTS : vars.INFERENCE_WORKERS,
      tls: engineTlsConfig(vars),
    },
  };
}

/** ENGINE_TLS_*: a certificate needs its key and a key its certificate. */
function engineTlsConfig(vars: EnvironmentVariables): EngineTlsConfig {
  if (Boolean(vars.ENGINE_TLS_CERT) !== Boolean(vars.ENGINE_TLS_KEY)) {
    throw new ConfigError(
      'ENGINE_TLS_CERT and ENGINE_TLS_KEY go together: set both (a certificate and its key) or neither',
    );
  }
  return { cert: vars.ENGINE_TLS_CERT, key: vars.ENGINE_TLS_KEY, ca: vars.ENGINE_TLS_CA };
}

/**
 * OPENAI_VOICE_ALIASES (`alloy=narrator,nova=<id>`) and OPENAI_DEFAULT_VOICE. Names match in any
 * case, so they are kept lower-cased (ids too: ids are stored in lower case).
 */
function openAiVoiceConfig(vars: EnvironmentVariables): OpenAiVoiceConfig {
  const voiceAliases = new Map<string, string>();
  for (const pair of vars.OPENAI_VOICE_ALIASES?.split(',') ?? []) {
    const [alias, voice] = pair.toLowerCase().split('=');
    if (voiceAliases.has(alias)) {
      throw new ConfigError(`OPENAI_VOICE_ALIASES names ${JSON.stringify(alias)} twice`);
    }
    voiceAliases.set(alias, voice);
  }
  return { voiceAliases, defaultVoice: vars.OPENAI_DEFAULT_VOICE?.toLowerCase() };
}

/** Shortest accepted API token: long enough that guessing one is hopeless. */
export const MIN_API_TOKEN_LENGTH = 32;

/** Refuses short tokens, naming their positions (never their values). */
function assertTokensLongEnough(tokens: string[]): void {
  const short = tokens.flatMap((token, index) =>
    token.length < MIN_API_TOKEN_LENGTH ? [`#${index + 1} (${token.length})`] : [],
  );
  if (short.length > 0) {
    throw new ConfigError(
      `API_TOKENS: every token needs at least ${MIN_API_TOKEN_LENGTH} characters; too short: ` +
        `${short.join(', ')} (make one with: openssl rand -hex 32)`,
    );
  }
}

/** HEADERS_TIMEOUT_MS, which Node requires to be no longer than REQUEST_TIMEOUT_MS. */
function requestHeadersTimeout(vars: EnvironmentVariables): number {
  if (vars.HEADERS_TIMEOUT_MS > vars.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS=${vars.HEADERS_TIMEOUT_MS} must not be longer than ` +
        `REQUEST_TIMEOUT_MS=${vars.REQUEST_TIMEOUT_MS}`,
    );
  }
  return vars.HEADERS_TIMEOUT_MS;
}

// WebGPU device (issue 23): one WebGPU thread per process.
/**
 * onnxruntime-node shares one WebGPU device between the threads of a process, and two worker
 * threads using it crash the process (SIGSEGV, "Command encoding already finished"). With
 * INFERENCE_DEVICE=webgpu the pool therefore has one worker: the default 2 becomes 1, and an
 * explicit INFERENCE_WORKERS above 1 is refused. Concurrent syntheses interleave in that worker.
 */
function inferenceWorkers(vars: EnvironmentVariables, defined: Record<string, unknown>): number {
  if (vars.INFERENCE_DEVICE !== 'webgpu') return vars.INFERENCE_WORKERS;
  if (defined.INFERENCE_WORKERS !== undefined && vars.INFERENCE_WORKERS > 1) {
    throw new ConfigError(
      `INFERENCE_WORKERS=${vars.INFERENCE_WORKERS} with INFERENCE_DEVICE=webgpu: onnxruntime shares ` +
        'one WebGPU device per process and two threads using it crash the process, so webgpu runs ' +
        'one inference worker (concurrent syntheses interleave in it). Set INFERENCE_WORKERS=1 or ' +
        'leave it unset; for more throughput run more service processes on the GPU',
    );
  }
  return 1;
}

function databaseConfig(vars: EnvironmentVariables): DatabaseConfig {
  const url = vars.DATABASE_URL;
  if (url.startsWith('sqlite:')) {
    return { type: 'sqlite', path: url.slice('sqlite:'.length) };
  }
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`DATABASE_URL=${JSON.stringify(url)}: not a valid URL`);
  }
  return {
    type: 'mysql',
    url: url.replace(/^mariadb:/, 'mysql:'),
    connectTimeoutMs: vars.DB_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: vars.DB_QUERY_TIMEOUT_MS,
  };
}

function storageConfig(vars: EnvironmentVariables): StorageConfig {
  if (vars.STORAGE_DRIVER === 'local') {
    return { driver: 'local', dir: vars.STORAGE_DIR };
  }
  if (!vars.S3_BUCKET) {
    throw new ConfigError('S3_BUCKET is required when STORAGE_DRIVER=s3');
  }
  return {
    driver: 's3',
    endpoint: vars.S3_ENDPOINT,
    region: vars.S3_REGION,
    bucket: vars.S3_BUCKET,
    accessKeyId: vars.S3_ACCESS_KEY_ID,
    secretAccessKey: vars.S3_SECRET_ACCESS_KEY,
    forcePathStyle: vars.S3_FORCE_PATH_STYLE === 'true',
  };
}

/** TRUST_PROXY: unset or `false` trusts no proxy, `true` every one, a number that many hops. */
function trustProxyOf(value: string | undefined): TrustProxy {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const addresses = value.split(',');
  try {
    proxyAddr.compile(addresses);
  } catch (error) {
    throw new ConfigError(`TRUST_PROXY=${JSON.stringify(value)}: ${(error as Error).message}`);
  }
  return addresses;
}
