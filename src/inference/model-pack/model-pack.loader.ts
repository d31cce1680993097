import { Logger } from '@nestjs/common';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import type { InferenceConfig } from '../../config/app-config.js';
import { probeExecutionDevice } from '../cosyvoice2/runtime/execution-device.probe.js';
import {
  describeDevice,
  type OutputLocations,
  sessionOptionsFor,
} from '../cosyvoice2/runtime/execution-device.js';
import { validateGraphContract } from './graph-contract.validator.js';
import { ModelPackError } from './model-pack.error.js';
import { readManifestFile } from './model-pack.manifest-file.js';
import {
  DOWNLOAD_COMMAND,
  GRAPH_CONTRACTS,
  GRAPH_ROLES,
  type GraphRole,
  MODEL_ROLES,
  type ModelPackManifest,
  MIN_DECODER_ROWS,
  SPEECH_TOKEN_COUNT,
  type TableRole,
  type TokenElementType,
} from './model-pack.manifest.js';
import type {
  Float32Table,
  LoadedModelPack,
  ModelPackDims,
  ModelPackTables,
  ModelPackTokenDtypes,
} from './model-pack.types.js';
import { npyToFloat32, readNpy } from './npy-reader.js';

/** Qwen2-0.5B values, used only when a graph declares its cache dimensions symbolically. */
const FALLBACK_KV_HEADS = 2;
const FALLBACK_HEAD_DIM = 64;

const END_OF_PROMPT = { id: 151_646, content: '<|endofprompt|>' };

const logger = new Logger('ModelPack');

/**
 * Loads the CosyVoice2 model pack of `config.modelDir`: checks that every file is there,
 * creates one session per graph on the configured execution provider, validates every graph
 * against its I/O contract, reads the `.npy` tables and `tokenizer.json`, and derives the model
 * dimensions. Throws a ModelPackError that names the file at fault and how to fix it.
 */
export async function loadModelPack(config: InferenceConfig): Promise<LoadedModelPack> {
  await probeExecutionDevice(config);
  const dir = resolve(config.modelDir);
  await checkDirectory(dir);
  const manifest = await readManifestFile(dir);
  await checkFilesPresent(dir, manifest);
  const sessions = await createSessions(dir, manifest, config);
  try {
    const tables = await readTables(dir, manifest);
    const tokenizerJson = await readTokenizerJson(dir, manifest.roles.tokenizer.file);
    const dims = deriveDims(manifest, sessions, tables);
    const tokenDtypes = deriveTokenDtypes(sessions);
    logger.log(
      `Loaded CosyVoice2 model pack from ${dir} on ${describeDevice(config)}: ` +
        `LLM ${dims.numLayers} layers, hidden ${dims.hiddenSize}, ${dims.kvHeads} KV heads × ${dims.headDim}; ` +
        `text ids ${tokenDtypes.textIds}, flow tokens ${tokenDtypes.flowToken}`,
    );
    return {
      dir,
      device: config.device,
      manifest,
      sessions,
      tables,
      tokenizerJson,
      dims,
      tokenDtypes,
      release: () => releaseSessions(sessions),
    };
  } catch (error) {
    await releaseSessions(sessions);
    throw error;
  }
}

async function checkDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ModelPackError(
      `Model directory ${dir} does not exist (MODEL_DIR) — run: ${DOWNLOAD_COMMAND}`,
    );
  }
}

async function checkFilesPresent(dir: string, manifest: ModelPackManifest): Promise<void> {
  const missing: string[] = [];
  for (const role of MODEL_ROLES) {
    const { file, size } = manifest.roles[role];
    const info = await stat(join(dir, file)).catch(() => undefined);
    if (!info?.isFile()) {
      missing.push(file);
    } else if (size !== undefined && info.size !== size) {
      throw new ModelPackError(
        `${file} has ${info.size} bytes but the manifest says ${size} (incomplete download?) — run: ${DOWNLOAD_COMMAND}`,
        file,
      );
    }
  }
  if (missing.length > 0) {
    throw new ModelPackError(
      `Model pack in ${dir} is incomplete: missing ${missing.join(', ')} — run: ${DOWNLOAD_COMMAND}`,
      missing[0],
    );
  }
}

/**
 * Per graph, where its outputs stay: on WebGPU the LLM leaves its hidden states and KV caches on
 * the device (the engine feeds them back and reads the states through the head graph there).
 */
function outputLocations(role: GraphRole): OutputLocations | undefined {
  return role === 'llm' ? 'gpu-buffer' : undefined;
}

async function createSessions(
  dir: string,
  manifest: ModelPackManifest,
  config: InferenceConfig,
): Promise<Record<GraphRole, InferenceSession>> {
  const created: Partial<Record<GraphRole, InferenceSession>> = {};
  try {
    for (const role of GRAPH_ROLES) {
      const file = manifest.roles[role].file;
      const options = sessionOptionsFor(config, outputLocations(role));
      const session = await createSession(join(dir, file), file, options);
      created[role] = session;
      const { layers, extraOutputs } = validateGraphContract(file, GRAPH_CONTRACTS[role], session);
      logger.debug(
        `${role}: ${file} (${session.inputNames.length} inputs${layers > 0 ? `, ${layers} layers` : ''})`,
      );
      if (extraOutputs.length > 0) {
        logger.log(`${file}: ignoring outputs the engine does not use: ${extraOutputs.join(', ')}`);
      }
    }
  } catch (error) {
    await releaseSessions(created);
    throw error;
  }
  return created as Record<GraphRole, InferenceSession>;
}

/** The device was probed first (probeExecutionDevice): a session that fails here is the file's. */
async function createSession(
  path: string,
  file: string,
  options: InferenceSession.SessionOptions,
): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(path, options);
  } catch (error) {
    const reason = (error as Error).message;
    throw new ModelPackError(
      `${file}: onnxruntime could not load it (${reason}) — run: ${DOWNLOAD_COMMAND}`,
      file,
    );
  }
}

async function releaseSessions(sessions: Partial<Record<GraphRole, InferenceSession>>) {
  await Promise.all(Object.values(sessions).map((session) => session.release()));
}

/**
 * Reads the four tables and checks them against each other, with their sizes taken from the files:
 * hidden size from llm_embedding, the speech vocabulary from llm_decoder_bias.
 */
async function readTables(dir: string, manifest: ModelPackManifest): Promise<ModelPackTables> {
  const read = (role: TableRole) => readTable(dir, manifest.roles[role].file);
  const fileOf = (role: TableRole) => manifest.roles[role].file;
  const llmEmbedding = await read('llmEmbedding');
  const [embeddingRows, hidden] = llmEmbedding.shape;
  if (llmEmbedding.shape.length !== 2 || embeddingRows < 2) {
    refuseTable(fileOf('llmEmbedding'), llmEmbedding, '[2 or more rows (sos, task_id), hidden]');
  }
  const hiddenFrom = `hidden = ${hidden} from ${fileOf('llmEmbedding')}`;
  const llmDecoderBias = await read('llmDecoderBias');
  const [vocab] = llmDecoderBias.shape;
  if (llmDecoderBias.shape.length !== 1 || vocab < MIN_DECODER_ROWS) {
    refuseTable(
      fileOf('llmDecoderBias'),
      llmDecoderBias,
      `[rows] with rows ≥ ${MIN_DECODER_ROWS} (speech tokens 0..${SPEECH_TOKEN_COUNT - 1} and EOS ${SPEECH_TOKEN_COUNT})`,
    );
  }
  const llmDecoderWeight = await read('llmDecoderWeight');
  if (!hasShape(llmDecoderWeight, [vocab, hidden])) {
    refuseTable(
      fileOf('llmDecoderWeight'),
      llmDecoderWeight,
      `[${vocab}, ${hidden}] (rows = ${vocab} from ${fileOf('llmDecoderBias')}, ${hiddenFrom})`,
    );
  }
  const speechEmbedding = await read('speechEmbedding');
  const speechRows = speechEmbedding.shape[0];
  if (!hasShape(speechEmbedding, [speechRows, hidden]) || speechRows < SPEECH_TOKEN_COUNT) {
    refuseTable(
      fileOf('speechEmbedding'),
      speechEmbedding,
      `[rows ≥ ${SPEECH_TOKEN_COUNT} (one per speech token), ${hidden}] (${hiddenFrom})`,
    );
  }
  return { speechEmbedding, llmEmbedding, llmDecoderWeight, llmDecoderBias };
}

function hasShape(table: Float32Table, shape: readonly number[]): boolean {
  return (
    table.shape.length === shape.length && shape.every((dim, axis) => table.shape[axis] === dim)
  );
}

function refuseTable(file: string, table: Float32Table, needs: string): never {
  throw new ModelPackError(
    `${file}: holds shape [${table.shape.join(', ')}]; the engine needs ${needs}`,
    file,
  );
}

async function readTable(dir: string, file: string): Promise<Float32Table> {
  try {
    const array = readNpy(await readFile(join(dir, file)));
    if (array.dtype === 'bool' || array.dtype === 'uint8') {
      throw new Error(`element type ${array.dtype} is not a float table`);
    }
    return { data: npyToFloat32(array), shape: array.shape };
  } catch (error) {
    throw new ModelPackError(
      `${file}: ${(error as Error).message} — run: ${DOWNLOAD_COMMAND}`,
      file,
    );
  }
}

async function readTokenizerJson(dir: string, file: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(dir, file), 'utf8'));
  } catch (error) {
    throw new ModelPackError(
      `${file}: not valid JSON (${(error as Error).message}) — run: ${DOWNLOAD_COMMAND}`,
      file,
    );
  }
  const json = parsed as { model?: unknown; added_tokens?: unknown };
  const added = Array.isArray(json.added_tokens) ? (json.added_tokens as unknown[]) : [];
  const hasEndOfPrompt = added.some((token) => {
    const { id, content } = token as { id?: unknown; content?: unknown };
    return id === END_OF_PROMPT.id && content === END_OF_PROMPT.content;
  });
  if (typeof json.model !== 'object' || json.model === null || !hasEndOfPrompt) {
    throw new ModelPackError(
      `${file}: not the CosyVoice2 tokenizer (needs a BPE model and the added token ` +
        `${END_OF_PROMPT.content} = ${END_OF_PROMPT.id}) — run: ${DOWNLOAD_COMMAND}`,
      file,
    );
  }
  return parsed as Record<string, unknown>;
}

function deriveDims(
  manifest: ModelPackManifest,
  sessions: Record<GraphRole, InferenceSession>,
  tables: ModelPackTables,
): ModelPackDims {
  const hiddenSize = tables.llmEmbedding.shape[1];
  const because = `hidden size ${hiddenSize} from ${manifest.roles.llmEmbedding.file}`;
  const llmFile = manifest.roles.llm.file;
  expectLastDim(llmFile, `input 'xs'`, inputShape(sessions.llm, 'xs'), hiddenSize, because);
  const embedFile = manifest.roles.embedTokens.file;
  const embedOutput = sessions.embedTokens.outputMetadata[0];
  expectLastDim(
    embedFile,
    'output 0',
    embedOutput.isTensor ? embedOutput.shape : [],
    hiddenSize,
    because,
  );
  const numLayers = sessions.llm.inputNames.filter((name) => /^key_cache\d+$/.test(name)).length;
  const cacheShape = inputShape(sessions.llm, 'key_cache0');
  const kvHeads = numericDim(cacheShape[1], FALLBACK_KV_HEADS, llmFile, 'KV heads');
  const headDim = numericDim(cacheShape[3], FALLBACK_HEAD_DIM, llmFile, 'head dimension');
  const speechVocabSize = tables.llmDecoderBias.shape[0];
  return { hiddenSize, numLayers, kvHeads, headDim, speechVocabSize };
}

function deriveTokenDtypes(sessions: Record<GraphRole, InferenceSession>): ModelPackTokenDtypes {
  return {
    textIds: inputType(sessions.embedTokens, 'input'),
    flowToken: inputType(sessions.flowEncoder, 'token'),
    flowPromptToken: inputType(sessions.flowEncoder, 'prompt_token'),
    speechTokenizerOutput: tensorType(sessions.speechTokenizer.outputMetadata[0]),
  };
}

function inputShape(session: InferenceSession, name: string): ReadonlyArray<number | string> {
  const meta = session.inputMetadata.find((entry) => entry.name === name);
  return meta?.isTensor ? meta.shape : [];
}

function inputType(session: InferenceSession, name: string): TokenElementType {
  return tensorType(session.inputMetadata.find((entry) => entry.name === name));
}

/** The contract has already restricted these tensors to int32/int64. */
function tensorType(meta: InferenceSession.ValueMetadata | undefined): TokenElementType {
  return meta?.isTensor && meta.type === 'int32' ? 'int32' : 'int64';
}

function expectLastDim(
  file: string,
  what: string,
  shape: ReadonlyArray<number | string>,
  expected: number,
  because: string,
): void {
  const last = shape[shape.length - 1];
  if (typeof last === 'number' && last !== expected) {
    throw new ModelPackError(
      `${file}: ${what} is declared with last dimension ${last}; the engine needs ${expected} (${because})`,
      file,
    );
  }
}

function numericDim(
  dim: number | string | undefined,
  fallback: number,
  file: string,
  what: string,
) {
  if (typeof dim === 'number') return dim;
  logger.warn(`${file}: ${what} not declared in the graph; assuming ${fallback} (Qwen2-0.5B)`);
  return fallback;
}
