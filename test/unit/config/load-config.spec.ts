import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, loadConfig } from '../../../src/config/load-config.js';

const ALPHA = 'alpha-0123456789abcdef0123456789abcdef';
const BETA = 'beta-0123456789abcdef0123456789abcdef';

describe('loadConfig', () => {
  it('falls back to the embedded defaults: loopback, SQLite and local storage under ./data', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.apiTokens).toEqual([]);
    expect(config.database).toEqual({ type: 'sqlite', path: './data/cosyvoice.db' });
    expect(config.storage).toEqual({ driver: 'local', dir: './data/audio' });
    expect(config.maxUploadBytes).toBe(20 * 1024 * 1024);
    expect(config.inference.textStreamMode).toBe('sentence');
    expect(config.inference.workers).toBe(2);
    expect(config.maxJsonBodyBytes).toBe(1024 * 1024);
    expect(config.synthesis.maxTextLength).toBe(5000);
    expect(config.shutdownGraceMs).toBe(30_000);
    expect(config.rateLimitPerMinute).toBe(0);
    expect(config.authFailuresPerMinute).toBe(10);
    expect(config.redisUrl).toBeUndefined();
    expect(config.uiEnabled).toBe(true);
    expect(config.requestTimeoutMs).toBe(120_000);
    expect(config.headersTimeoutMs).toBe(15_000);
    expect(config.maxClientConnections).toBe(256);
    expect(config.allowedHosts).toEqual([]);
  });

  it('reads OPENAI_VOICE_ALIASES and OPENAI_DEFAULT_VOICE in lower case, and refuses bad ones', () => {
    expect(loadConfig({}).openai).toEqual({ voiceAliases: new Map(), defaultVoice: undefined });
    const config = loadConfig({
      OPENAI_VOICE_ALIASES: 'alloy=Narrator,Nova=6F1D5A52-0D47-4C1E-9A8E-5D2F4F3B2A10',
      OPENAI_DEFAULT_VOICE: 'Studio',
    });
    expect(config.openai).toEqual({
      voiceAliases: new Map([
        ['alloy', 'narrator'],
        ['nova', '6f1d5a52-0d47-4c1e-9a8e-5d2f4f3b2a10'],
      ]),
      defaultVoice: 'studio',
    });
    for (const aliases of ['alloy', 'alloy=', 'alloy=a b', 'alloy=narrator,']) {
      expect(() => loadConfig({ OPENAI_VOICE_ALIASES: aliases }), aliases).toThrow(
        /OPENAI_VOICE_ALIASES must be a comma-separated list of name=voice pairs/,
      );
    }
    expect(() => loadConfig({ OPENAI_VOICE_ALIASES: 'alloy=a,ALLOY=b' })).toThrow(
      'OPENAI_VOICE_ALIASES names "alloy" twice',
    );
    expect(() => loadConfig({ OPENAI_DEFAULT_VOICE: 'two words' })).toThrow(
      /OPENAI_DEFAULT_VOICE must be the id or name of a stored reference audio/,
    );
  });

  it('turns the web playground off with UI_ENABLED=false', () => {
    expect(loadConfig({ UI_ENABLED: 'false' }).uiEnabled).toBe(false);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9000',
      API_TOKENS: `${ALPHA},${BETA}`,
      DATABASE_URL: 'mariadb://user:secret@db:3306/cosyvoice',
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'oss-cn-hangzhou',
      S3_BUCKET: 'voices',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: 'true',
      MAX_UPLOAD_BYTES: '1048576',
      MODEL_DIR: '/models/CosyVoice2-0.5B',
      TEXT_STREAM_MODE: 'bistream',
      INFERENCE_WORKERS: '3',
      MAX_JSON_BODY_BYTES: '4096',
      SHUTDOWN_GRACE_MS: '5000',
      RATE_LIMIT_PER_MINUTE: '120',
      AUTH_FAILURES_PER_MINUTE: '5',
      REDIS_URL: 'redis://redis:6379',
      REQUEST_TIMEOUT_MS: '60000',
      HEADERS_TIMEOUT_MS: '5000',
      MAX_CLIENT_CONNECTIONS: '0',
      ALLOWED_HOSTS: 'TTS.example.com,localhost.lan',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      apiTokens: [ALPHA, BETA],
      database: { type: 'mysql', url: 'mysql://user:secret@db:3306/cosyvoice' },
      storage: {
        driver: 's3',
        endpoint: 'http://minio:9000',
        region: 'oss-cn-hangzhou',
        bucket: 'voices',
        accessKeyId: 'id',
        secretAccessKey: 'secret',
        forcePathStyle: true,
      },
      maxUploadBytes: 1048576,
      inference: { modelDir: '/models/CosyVoice2-0.5B', textStreamMode: 'bistream', workers: 3 },
      maxJsonBodyBytes: 4096,
      shutdownGraceMs: 5000,
      rateLimitPerMinute: 120,
      authFailuresPerMinute: 5,
      redisUrl: 'redis://redis:6379',
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 5000,
      maxClientConnections: 0,
      allowedHosts: ['tts.example.com', 'localhost.lan'],
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['MAX_UPLOAD_BYTES', '-5'],
    ['MAX_UPLOAD_BYTES', 'lots'],
    ['DATABASE_URL', 'postgres://localhost/db'],
    ['STORAGE_DRIVER', 'ftp'],
    ['S3_ENDPOINT', 'minio:9000'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
    ['API_TOKENS', 'one, two'],
    ['LOG_LEVEL', 'loud'],
    ['UI_ENABLED', 'yes'],
    ['TEXT_STREAM_MODE', 'words'],
    ['INFERENCE_WORKERS', '0'],
    ['INFERENCE_WORKERS', '1.5'],
    ['MAX_JSON_BODY_BYTES', '100'],
    ['SHUTDOWN_GRACE_MS', '-1'],
    ['RATE_LIMIT_PER_MINUTE', '1.5'],
    ['AUTH_FAILURES_PER_MINUTE', '-1'],
    ['REDIS_URL', 'localhost:6379'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['REQUEST_TIMEOUT_MS', '10'],
    ['HEADERS_TIMEOUT_MS', 'soon'],
    ['MAX_CLIENT_CONNECTIONS', '-1'],
    ['ALLOWED_HOSTS', 'tts.example.com:443'],
    ['ALLOWED_HOSTS', 'a.example, b.example'],
  ])('refuses %s=%j with a message naming the variable', (name, value) => {
    const env = { API_TOKENS: ALPHA, [name]: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}=${JSON.stringify(value)}`));
  });

  it('refuses to run without API_TOKENS on a non-loopback address', () => {
    for (const host of ['0.0.0.0', '192.168.1.20', 'example.com', '::']) {
      expect(() => loadConfig({ HOST: host }), host).toThrow(
        /API_TOKENS is required when HOST=.* is not a loopback address/,
      );
      expect(loadConfig({ HOST: host, API_TOKENS: ALPHA }).apiTokens).toEqual([ALPHA]);
    }
  });

  it('runs open without API_TOKENS on a loopback address', () => {
    for (const host of ['127.0.0.1', '127.0.0.53', 'localhost', '::1']) {
      expect(isLoopbackHost(host), host).toBe(true);
      expect(loadConfig({ HOST: host }).apiTokens).toEqual([]);
    }
  });

  it('refuses tokens shorter than 32 characters, naming their positions but not their values', () => {
    const short = 'x'.repeat(31);
    const env = { API_TOKENS: `${ALPHA},${short}` };
    expect(() => loadConfig(env)).toThrow(
      'API_TOKENS: every token needs at least 32 characters; too short: #2 (31) ' +
        '(make one with: openssl rand -hex 32)',
    );
    expect(() => loadConfig(env)).not.toThrow(new RegExp(short));
    expect(loadConfig({ API_TOKENS: 'y'.repeat(32) }).apiTokens).toEqual(['y'.repeat(32)]);
  });

  it('refuses a HEADERS_TIMEOUT_MS longer than REQUEST_TIMEOUT_MS', () => {
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '2000' })).toThrow(
      'HEADERS_TIMEOUT_MS=2000 must not be longer than REQUEST_TIMEOUT_MS=1000',
    );
  });

  it('requires S3_BUCKET for the S3 driver', () => {
    expect(() => loadConfig({ STORAGE_DRIVER: 's3' })).toThrow(/S3_BUCKET is required/);
  });
});
