import { Transform } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { INFERENCE_DEVICES, type InferenceDevice } from './app-config.js';

/** A voice id or name as a setting gives it (names in any case; see VOICE_NAME_PATTERN). */
const OPENAI_VOICE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const OPENAI_VOICE_PAIR = `${OPENAI_VOICE_PATTERN.source.slice(1, -1)}=${OPENAI_VOICE_PATTERN.source.slice(1, -1)}`;
const OPENAI_VOICE_ALIASES_PATTERN = new RegExp(`^${OPENAI_VOICE_PAIR}(,${OPENAI_VOICE_PAIR})*$`);

/** Every setting the service reads from the environment, with its default and its rule. */
export class EnvironmentVariables {
  @IsString()
  @MinLength(1)
  HOST = '127.0.0.1';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsOptional()
  @IsString()
  @Matches(/^[^\s,]+(,[^\s,]+)*$/, {
    message: 'API_TOKENS must be a comma-separated list of tokens without spaces',
  })
  API_TOKENS?: string;

  @IsString()
  @Matches(/^(sqlite:.+|mysql:\/\/.+|mariadb:\/\/.+)$/, {
    message: 'DATABASE_URL must start with sqlite: or mysql:// (or mariadb://)',
  })
  DATABASE_URL = 'sqlite:./data/cosyvoice.db';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(100)
  DB_CONNECT_TIMEOUT_MS = 5000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(100)
  DB_QUERY_TIMEOUT_MS = 10_000;

  @IsIn(['local', 's3'])
  STORAGE_DRIVER: 'local' | 's3' = 'local';

  @IsString()
  @MinLength(1)
  STORAGE_DIR = './data/audio';

  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'S3_ENDPOINT must be an http(s) URL' })
  S3_ENDPOINT?: string;

  @IsString()
  S3_REGION = 'us-east-1';

  @IsOptional()
  @IsString()
  S3_BUCKET?: string;

  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @IsBooleanString({ message: 'S3_FORCE_PATH_STYLE must be true or false' })
  S3_FORCE_PATH_STYLE = 'false';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1024)
  MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1024)
  MAX_JSON_BODY_BYTES = 1024 * 1024;

  @IsString()
  @MinLength(1)
  MODEL_DIR = './models/CosyVoice2-0.5B';

  @IsIn(INFERENCE_DEVICES)
  INFERENCE_DEVICE: InferenceDevice = 'cpu';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(256)
  INFERENCE_THREADS = 0;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(64)
  INFERENCE_WORKERS = 2;

  @IsIn(['sentence', 'bistream'])
  TEXT_STREAM_MODE: 'sentence' | 'bistream' = 'sentence';

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(64)
  MAX_CONCURRENT_SYNTHESES = 2;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(10000)
  SYNTHESIS_QUEUE_SIZE = 16;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(100)
  SYNTHESIS_QUEUE_WAIT_MS = 30_000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(100)
  STREAM_STALL_TIMEOUT_MS = 30_000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(100000)
  MAX_TEXT_LENGTH = 5000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1000)
  WS_IDLE_TIMEOUT_MS = 60_000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1024)
  WS_MAX_FRAME_BYTES = 256 * 1024;

  // WebSocket output bounds (issue 20, item 3): bytes waiting to be sent per connection, refused
  // frames per connection.
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(64 * 1024)
  WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  WS_MAX_REFUSED_FRAMES = 100;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 30_000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  ORPHAN_GRACE_SECONDS = 600;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE = 0;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  AUTH_FAILURES_PER_MINUTE = 10;

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,/]+(,https?:\/\/[^\s,/]+)*)$/, {
    message:
      'CORS_ORIGINS must be * or a comma-separated list of origins like https://app.example.com',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @Matches(
    /^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*|loopback|linklocal|uniquelocal)$/,
    {
      message:
        'TRUST_PROXY must be false, true, a number of proxy hops, or a comma-separated list of ' +
        'proxy addresses or CIDR ranges (e.g. 10.0.0.0/8,127.0.0.1, or loopback)',
    },
  )
  TRUST_PROXY?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  // HTTP hardening (issue 20): request timeouts, connections per client, open-mode hosts.
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(100)
  REQUEST_TIMEOUT_MS = 120_000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(100)
  HEADERS_TIMEOUT_MS = 15_000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  MAX_CLIENT_CONNECTIONS = 256;

  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$/, {
    message: 'ALLOWED_HOSTS must be a comma-separated list of host names like tts.example.com',
  })
  ALLOWED_HOSTS?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsBooleanString({ message: 'UI_ENABLED must be true or false' })
  UI_ENABLED = 'true';

  // OpenAI voices: OpenAI's preset voice names mapped to stored voices.
  @IsOptional()
  @Matches(OPENAI_VOICE_ALIASES_PATTERN, {
    message:
      'OPENAI_VOICE_ALIASES must be a comma-separated list of name=voice pairs, each voice the ' +
      'id or name of a stored reference audio (e.g. alloy=narrator,nova=6f1d5a52-…)',
  })
  OPENAI_VOICE_ALIASES?: string;

  @IsOptional()
  @Matches(OPENAI_VOICE_PATTERN, {
    message: 'OPENAI_DEFAULT_VOICE must be the id or name of a stored reference audio',
  })
  OPENAI_DEFAULT_VOICE?: string;

  // Input limits (issue 20): whole answers, upload admission, free storage for /ready.
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(86_400)
  MAX_WHOLE_ANSWER_SECONDS = 300;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(64)
  MAX_CONCURRENT_UPLOADS = 2;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(10000)
  UPLOAD_QUEUE_SIZE = 4;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(100)
  UPLOAD_QUEUE_WAIT_MS = 10_000;

  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  STORAGE_MIN_FREE_BYTES = 256 * 1024 * 1024;

  // Separated API and engine nodes (README: "Separated API and engine nodes").
  /** API service: engine nodes to dispatch to (`host:port` or `dns:///name:port`, comma-separated). */
  @IsOptional()
  @Matches(/^(dns:\/\/\/)?[^\s,:]+:\d{1,5}(,(dns:\/\/\/)?[^\s,:]+:\d{1,5})*$/, {
    message:
      'ENGINE_NODES must be a comma-separated list of host:port or dns:///name:port ' +
      '(e.g. engine-1:50051,dns:///engine.default.svc.cluster.local:50051)',
  })
  ENGINE_NODES?: string;

  /** Engine node: the address it listens on. */
  @Matches(/^[^\s]+:\d{1,5}$/, {
    message: 'ENGINE_LISTEN must be host:port (e.g. 127.0.0.1:50051)',
  })
  ENGINE_LISTEN = '127.0.0.1:50051';

  /** Both sides: the shared secret every call carries. */
  @IsOptional()
  @MinLength(16, { message: 'ENGINE_SECRET must have at least 16 characters' })
  ENGINE_SECRET?: string;

  /**
   * TLS between the API service and its nodes (PEM file paths). Engine node: its certificate
   * chain and key (it then serves TLS only). API service: its client certificate and key, for
   * nodes that require one.
   */
  @IsOptional()
  @IsString()
  ENGINE_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  ENGINE_TLS_KEY?: string;

  /**
   * API service: the CA that signed the nodes' certificates (the API then calls them over TLS).
   * Engine node: the CA that signed the API services' client certificates (mutual TLS).
   */
  @IsOptional()
  @IsString()
  ENGINE_TLS_CA?: string;

  /** Engine node: syntheses it runs at once (its slots); 0 = INFERENCE_WORKERS. */
  @Transform(({ value }: { value: unknown }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(256)
  ENGINE_SLOTS = 0;
}
