import { isRecord } from '../../common/is-record.js';

/**
 * The model pack manifest (`cosyvoice2-pack.json` in MODEL_DIR): which file plays which role,
 * with optional size and sha256 per file, plus the I/O contract every graph role must satisfy.
 */

/** Name of the manifest file inside MODEL_DIR. */
export const MANIFEST_FILE_NAME = 'cosyvoice2-pack.json';
export const MANIFEST_FORMAT = 'cosyvoice2-pack';
export const MANIFEST_VERSION = 1;

/** The command that fetches a complete pack; every "missing file" message names it. */
export const DOWNLOAD_COMMAND = 'npm run models:download';

export const GRAPH_ROLES = [
  'campplus',
  'speechTokenizer',
  'embedTokens',
  'llm',
  'flowEncoder',
  'flowEstimator',
  'hift',
] as const;
export type GraphRole = (typeof GRAPH_ROLES)[number];

export const TABLE_ROLES = [
  'speechEmbedding',
  'llmEmbedding',
  'llmDecoderWeight',
  'llmDecoderBias',
] as const;
export type TableRole = (typeof TABLE_ROLES)[number];

export const MODEL_ROLES = [...GRAPH_ROLES, ...TABLE_ROLES, 'tokenizer'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

/** One file of the pack, relative to MODEL_DIR. */
export interface PackFileEntry {
  file: string;
  /** Size in bytes, when known (checked at boot and after download). */
  size?: number;
  /** Lower-case hex sha256, when known (checked after download). */
  sha256?: string;
}

export interface ModelPackManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  roles: Record<ModelRole, PackFileEntry>;
  /**
   * Files that no role loads but that the pack was built from (the Qwen2 `vocab.json` and
   * `merges.txt` behind `tokenizer.json`), keyed by path relative to MODEL_DIR.
   */
  sources?: Record<string, Omit<PackFileEntry, 'file'>>;
  /**
   * True for a pack generated for tests or benchmarks (tiny or random weights): it loads and runs
   * like the real one, but its audio is not speech. The service warns about it at boot.
   */
  testPack?: boolean;
}

/** Default file names: the official CosyVoice2-0.5B files plus the ailia-models export. */
export const DEFAULT_ROLE_FILES: Readonly<Record<ModelRole, string>> = {
  campplus: 'campplus.onnx',
  speechTokenizer: 'speech_tokenizer_v2.onnx',
  embedTokens: 'CosyVoice2-0.5B_embed_tokens.onnx',
  llm: 'CosyVoice2-0.5B_llm.onnx',
  flowEncoder: 'CosyVoice2-0.5B_flow_encoder.onnx',
  flowEstimator: 'flow.decoder.estimator.fp32.onnx',
  hift: 'CosyVoice2-0.5B_hift.onnx',
  speechEmbedding: 'CosyVoice2-0.5B_speech_embedding.npy',
  llmEmbedding: 'CosyVoice2-0.5B_llm_embedding.npy',
  llmDecoderWeight: 'CosyVoice2-0.5B_llm_decoder_weight.npy',
  llmDecoderBias: 'CosyVoice2-0.5B_llm_decoder_bias.npy',
  tokenizer: 'tokenizer.json',
};

export function defaultManifest(): ModelPackManifest {
  const roles = {} as Record<ModelRole, PackFileEntry>;
  for (const role of MODEL_ROLES) roles[role] = { file: DEFAULT_ROLE_FILES[role] };
  return { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, roles };
}

/**
 * Validates a parsed `cosyvoice2-pack.json`. Roles it leaves out take their default file name.
 * Throws an Error whose message says which field is wrong.
 */
export function parseManifest(value: unknown): ModelPackManifest {
  if (!isRecord(value)) throw new Error('the manifest is not a JSON object');
  if (value.format !== MANIFEST_FORMAT) {
    throw new Error(`"format" must be "${MANIFEST_FORMAT}", got ${JSON.stringify(value.format)}`);
  }
  if (value.version !== MANIFEST_VERSION) {
    throw new Error(`"version" must be ${MANIFEST_VERSION}, got ${JSON.stringify(value.version)}`);
  }
  const roles = value.roles ?? {};
  if (!isRecord(roles)) throw new Error('"roles" must be an object');
  const known = new Set<string>(MODEL_ROLES);
  for (const key of Object.keys(roles)) {
    if (!known.has(key)) {
      throw new Error(`unknown role "${key}" (roles: ${MODEL_ROLES.join(', ')})`);
    }
  }
  const manifest = defaultManifest();
  for (const role of MODEL_ROLES) {
    if (roles[role] !== undefined) manifest.roles[role] = parseEntry(roles[role], `roles.${role}`);
  }
  if (value.sources !== undefined) {
    if (!isRecord(value.sources)) throw new Error('"sources" must be an object');
    manifest.sources = {};
    for (const [path, entry] of Object.entries(value.sources)) {
      const { size, sha256 } = parseEntry({ ...asRecord(entry), file: path }, `sources.${path}`);
      manifest.sources[path] = withoutUndefined({ size, sha256 });
    }
  }
  if (value.testPack !== undefined) {
    if (typeof value.testPack !== 'boolean') throw new Error('"testPack" must be true or false');
    manifest.testPack = value.testPack;
  }
  return manifest;
}

function parseEntry(value: unknown, where: string): PackFileEntry {
  if (!isRecord(value)) throw new Error(`"${where}" must be an object with a "file"`);
  const { file, size, sha256 } = value;
  if (typeof file !== 'string' || file === '' || file.startsWith('/') || file.includes('..')) {
    throw new Error(`"${where}.file" must be a relative path inside the model directory`);
  }
  if (size !== undefined && (!Number.isSafeInteger(size) || (size as number) < 0)) {
    throw new Error(`"${where}.size" must be a byte count`);
  }
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))) {
    throw new Error(`"${where}.sha256" must be 64 lower-case hex digits`);
  }
  return withoutUndefined({ file, size: size as number | undefined, sha256 });
}

function withoutUndefined<T extends object>(entry: T): T {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as T;
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** Speech tokens 0..6560 are fed back through speech_embedding; llm_decoder also scores EOS (6561). */
export const SPEECH_TOKEN_COUNT = 6561;
export const MIN_DECODER_ROWS = SPEECH_TOKEN_COUNT + 1;

// ---------------------------------------------------------------------------------------------
// I/O contract of each graph role, as the ailia-models pipeline uses the files: inputs by name,
// outputs by position (extra outputs after the used ones are ignored).

/** Element types as onnxruntime reports them in `inputMetadata` / `outputMetadata`. */
export type TensorElementType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool';
export type TokenElementType = 'int32' | 'int64';

const F32: readonly TensorElementType[] = ['float32'];
const INT: readonly TokenElementType[] = ['int32', 'int64'];
const I32: readonly TensorElementType[] = ['int32'];
const BOOL: readonly TensorElementType[] = ['bool'];

/** A declared shape: a number must match a numeric graph dimension, null matches any dimension. */
export type ShapePattern = readonly (number | null)[];

/** One tensor of a graph. */
export interface TensorContract {
  types: readonly TensorElementType[];
  /** The declared shapes the engine can use (the first is what CosyVoice2-0.5B's files declare). */
  shapes: readonly ShapePattern[];
}

export interface NamedTensorContract extends TensorContract {
  name: string;
}

/** Outputs are taken by position; `role` says in messages what the engine uses the output for. */
export interface OutputContract extends TensorContract {
  role: string;
}

/** The per-layer KV cache inputs/outputs of the LLM: `key_cache0..N-1`, `value_cache0..N-1`. */
export interface LayerCacheContract {
  inputPrefixes: readonly string[];
  tensor: TensorContract;
  /** Outputs after the fixed ones, interleaved per layer in `inputPrefixes` order. */
  outputsPerLayer: number;
}

export interface GraphContract {
  inputs: readonly NamedTensorContract[];
  outputs: readonly OutputContract[];
  layerCache?: LayerCacheContract;
}

export const GRAPH_CONTRACTS: Readonly<Record<GraphRole, GraphContract>> = {
  campplus: {
    inputs: [{ name: 'input', types: F32, shapes: [[null, null, 80]] }],
    outputs: [{ role: 'speaker embedding', types: F32, shapes: [[null, 192]] }],
  },
  speechTokenizer: {
    inputs: [
      { name: 'feats', types: F32, shapes: [[1, 128, null]] },
      { name: 'feats_length', types: I32, shapes: [[1]] },
    ],
    outputs: [{ role: 'speech tokens', types: INT, shapes: [[1, null]] }],
  },
  embedTokens: {
    inputs: [{ name: 'input', types: INT, shapes: [[1, null]] }],
    outputs: [{ role: 'text embeddings', types: F32, shapes: [[1, null, null]] }],
  },
  llm: {
    inputs: [
      { name: 'xs', types: F32, shapes: [[1, null, null]] },
      { name: 'masks', types: BOOL, shapes: [[1, null, null]] },
    ],
    // hidden states after the final norm, then k0, v0, k1, v1, ...
    outputs: [{ role: 'hidden states', types: F32, shapes: [[1, null, null]] }],
    layerCache: {
      inputPrefixes: ['key_cache', 'value_cache'],
      tensor: { types: F32, shapes: [[1, null, null, null]] },
      outputsPerLayer: 2,
    },
  },
  flowEncoder: {
    inputs: [
      { name: 'token', types: INT, shapes: [[1, null]] },
      { name: 'token_len', types: I32, shapes: [[1]] },
      { name: 'prompt_token', types: INT, shapes: [[1, null]] },
      { name: 'prompt_token_len', types: I32, shapes: [[1]] },
      { name: 'prompt_feat', types: F32, shapes: [[1, null, 80]] },
      { name: 'embedding', types: F32, shapes: [[1, 192]] },
    ],
    // The pipeline reads mu's frame count from its axis 2 and broadcasts the other three into
    // the estimator's batch, so they may come without their leading 1s.
    outputs: [
      { role: 'mu', types: F32, shapes: [[1, 80, null]] },
      { role: 'mask', types: F32, shapes: [[1, 1, null], [1, null], [null]] },
      { role: 'spks', types: F32, shapes: [[1, 80], [80]] },
      {
        role: 'cond',
        types: F32,
        shapes: [
          [1, 80, null],
          [80, null],
        ],
      },
    ],
  },
  flowEstimator: {
    inputs: [
      { name: 'x', types: F32, shapes: [[2, 80, null]] },
      { name: 'mask', types: F32, shapes: [[2, 1, null]] },
      { name: 'mu', types: F32, shapes: [[2, 80, null]] },
      { name: 't', types: F32, shapes: [[2]] },
      { name: 'spks', types: F32, shapes: [[2, 80]] },
      { name: 'cond', types: F32, shapes: [[2, 80, null]] },
    ],
    outputs: [{ role: 'velocity', types: F32, shapes: [[2, 80, null]] }],
  },
  hift: {
    inputs: [{ name: 'speech_feat', types: F32, shapes: [[1, 80, null]] }],
    // magnitude, phase (already through sin); the iSTFT runs outside the graph
    outputs: [
      { role: 'magnitude', types: F32, shapes: [[1, 9, null]] },
      { role: 'phase', types: F32, shapes: [[1, 9, null]] },
    ],
  },
};
