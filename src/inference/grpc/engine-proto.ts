import {
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

/** The package an engine node serves and reports (`NodeStatus.proto_version`). */
export const ENGINE_PROTO_VERSION = 'cosyvoice2.engine.v1';

/** The repository's `proto/` folder (beside `src/` and `dist/`). */
const PROTO_ROOT = fileURLToPath(new URL('../../../proto/', import.meta.url));

/**
 * Field names in camelCase, enums as their names, 64-bit numbers as numbers, unset scalars as
 * their defaults (unset `optional` fields and oneof members stay undefined), and for each oneof
 * the name of the member that is set (`message`).
 */
const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

function loadPackage(file: string): GrpcObject {
  return loadPackageDefinition(loadSync(file, LOADER_OPTIONS));
}

function service(root: GrpcObject, path: string[]): ServiceClientConstructor {
  let node: unknown = root;
  for (const name of path) node = (node as Record<string, unknown>)[name];
  return node as ServiceClientConstructor;
}

let engineServiceLoaded: ServiceClientConstructor | undefined;
let healthServiceLoaded: ServiceClientConstructor | undefined;

/**
 * The Engine service (client constructor; its `.service` is what a server adds), read from
 * `proto/` on first use: a service without ENGINE_NODES never needs the folder.
 */
export function engineService(): ServiceClientConstructor {
  engineServiceLoaded ??= service(loadPackage('cosyvoice2/engine/v1/engine.proto'), [
    'cosyvoice2',
    'engine',
    'v1',
    'Engine',
  ]);
  return engineServiceLoaded;
}

/** The standard gRPC health-checking service, read from `proto/` on first use. */
export function healthService(): ServiceClientConstructor {
  healthServiceLoaded ??= service(loadPackage('grpc/health/v1/health.proto'), [
    'grpc',
    'health',
    'v1',
    'Health',
  ]);
  return healthServiceLoaded;
}

/** `Mode` of the proto. */
export type WireMode = 'MODE_UNSPECIFIED' | 'ZERO_SHOT' | 'CROSS_LINGUAL' | 'INSTRUCT2';

/** `ErrorKind` of the proto. */
export type WireErrorKind =
  | 'ERROR_KIND_UNSPECIFIED'
  | 'MODEL_NOT_LOADED'
  | 'INPUT_REJECTED'
  | 'DEVICE_UNAVAILABLE'
  | 'ABORTED'
  | 'ENGINE'
  | 'ENGINE_FAILED';

export interface WireVoiceFeatures {
  speakerEmbedding: Buffer;
  speechTokens: Buffer;
  promptMel: Buffer;
  promptMelFrames: number;
}

export interface WireSynthesisRequest {
  mode: WireMode;
  text?: string;
  promptText: string;
  instruct?: string;
  voice: WireVoiceFeatures;
  speed: number;
  stream: boolean;
  seed?: number;
}

/** A client → node message of one synthesis (one oneof member set). */
export type SynthesizeIn =
  | { message: 'request'; request: WireSynthesisRequest }
  | { message: 'textPiece'; textPiece: string }
  | { message: 'textEnd'; textEnd: object }
  | { message: 'textError'; textError: string }
  | { message: 'credit'; credit: number }
  | { message: 'abort'; abort: object };

export interface WireChunk {
  samples: Buffer;
  modelSeconds: number;
}

/** A node → client message of one synthesis. */
export type SynthesizeOut =
  | { message: 'chunk'; chunk: WireChunk }
  | { message: 'done'; done: object }
  | { message: 'failed'; failed: WireFailed };

/** `Failed` of the proto: `field` names the request field at fault, when one is. */
export interface WireFailed {
  kind: WireErrorKind;
  message: string;
  field?: string;
}

export interface ExtractRequest {
  samples: Buffer;
  sampleRate: number;
}

export interface NodeStatus {
  protoVersion: string;
  packHash: string;
  ready: boolean;
  slotsTotal: number;
  slotsFree: number;
  device: string;
  testPack: boolean;
}

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** Trailing metadata key of a failed extraction: its ErrorKind. */
export const ERROR_KIND_METADATA_KEY = 'x-engine-error-kind';

/** Metadata key of the shared secret (ENGINE_SECRET). */
export const SECRET_METADATA_KEY = 'x-engine-secret';

/**
 * Message size limit of both sides: grpc-js's default of 4 MiB is less than the float32 samples
 * of a 30 s, 48 kHz upload for feature extraction (5.8 MB); 64 MiB holds any upload the API
 * accepts after decoding.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
