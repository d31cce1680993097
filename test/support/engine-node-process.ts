import { type ChannelCredentials, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  engineService,
  healthService,
  type HealthStatus,
  type NodeStatus,
  SECRET_METADATA_KEY,
} from '../../src/inference/grpc/engine-proto.js';
import { REPOSITORY_DIR } from './compose-project.js';
import { freePort } from './service-process.js';

const ENGINE_MAIN = join(REPOSITORY_DIR, 'src', 'engine-node', 'main.ts');
const TSX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs'),
).href;

/** An engine node (`src/engine-node/main.ts` through tsx) running as its own process. */
export interface EngineNodeProcess {
  /** `127.0.0.1:port` */
  address: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Sends `signal` and waits for the exit; resolves with the exit code (null: a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** How a test client reaches a node: its credentials, and the name its TLS certificate carries. */
export interface NodeChannel {
  credentials: ChannelCredentials;
  /** Checked against the node's certificate instead of the address's IP. */
  serverName?: string;
}

const PLAINTEXT: NodeChannel = { credentials: credentials.createInsecure() };

function clientOf<T>(
  Service: new (address: string, credentials: ChannelCredentials, options: object) => T,
  address: string,
  channel: NodeChannel,
): T {
  const options = channel.serverName ? { 'grpc.ssl_target_name_override': channel.serverName } : {};
  return new Service(address, channel.credentials, options);
}

/** The standard health check of the node at `address` (no secret needed). */
export function healthOf(
  address: string,
  timeoutMs = 1000,
  channel: NodeChannel = PLAINTEXT,
): Promise<HealthStatus | 'DOWN'> {
  const client = clientOf(healthService(), address, channel);
  return new Promise((resolve) => {
    const check = (
      client as unknown as Record<
        string,
        (
          request: object,
          options: object,
          callback: (error: ServiceError | null, answer?: { status: HealthStatus }) => void,
        ) => void
      >
    ).Check;
    check.call(client, { service: '' }, { deadline: Date.now() + timeoutMs }, (error, answer) => {
      client.close();
      resolve(error || !answer ? 'DOWN' : answer.status);
    });
  });
}

/**
 * Starts an engine node on a free loopback port with `modelDir`, one worker and `env` on top,
 * and waits until its health check (over `probe`: TLS for a node with ENGINE_TLS_CERT) says
 * SERVING; fails with its output after `timeoutMs`.
 */
export async function startEngineNode(
  modelDir: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  probe: NodeChannel = PLAINTEXT,
): Promise<EngineNodeProcess> {
  const port = Number(env.ENGINE_PORT ?? (await freePort()));
  const address = `127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', TSX, ENGINE_MAIN], {
    cwd: REPOSITORY_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      TSX_TSCONFIG_PATH: join(REPOSITORY_DIR, 'tsconfig.json'),
      LOG_LEVEL: 'info',
      MODEL_DIR: modelDir,
      INFERENCE_WORKERS: '1',
      INFERENCE_THREADS: '1',
      ENGINE_LISTEN: address,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  process.once('exit', () => child.kill('SIGKILL'));
  const node: EngineNodeProcess = {
    address,
    port,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while ((await healthOf(address, 1000, probe)) !== 'SERVING') {
    if (child.exitCode !== null || Date.now() > deadline) {
      await node.stop('SIGKILL');
      throw new Error(`the engine node did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return node;
}

/**
 * Describe of the node at `address` with `secret` (null: none) over `channel`: its status, or
 * the gRPC error.
 */
export function describeNode(
  address: string,
  secret: string | null,
  channel: NodeChannel = PLAINTEXT,
): Promise<{ status?: NodeStatus; error?: ServiceError }> {
  const client = clientOf(engineService(), address, channel);
  const metadata = new Metadata();
  if (secret !== null) metadata.set(SECRET_METADATA_KEY, secret);
  const describe = (
    client as unknown as Record<
      string,
      (
        request: object,
        metadata: Metadata,
        options: object,
        callback: (error: ServiceError | null, status?: NodeStatus) => void,
      ) => void
    >
  ).Describe;
  return new Promise((resolve) => {
    describe.call(client, {}, metadata, { deadline: Date.now() + 2000 }, (error, status) => {
      client.close();
      resolve(error ? { error } : { status });
    });
  });
}
