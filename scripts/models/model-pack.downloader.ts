import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildCosyVoice2TokenizerJson } from '../../src/inference/text/cosyvoice2-tokenizer-json.js';
import { sha256OfFile } from '../../src/inference/model-pack/file-digest.js';
import {
  readManifestFile,
  writeManifestFile,
} from '../../src/inference/model-pack/model-pack.manifest-file.js';
import {
  DEFAULT_ROLE_FILES,
  defaultManifest,
  type ModelPackManifest,
  type ModelRole,
  type PackFileEntry,
} from '../../src/inference/model-pack/model-pack.manifest.js';

export type OfficialSource = 'huggingface' | 'modelscope';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_MODELSCOPE_ENDPOINT = 'https://modelscope.cn';
export const DEFAULT_AILIA_BASE = 'https://storage.googleapis.com/ailia-models/cosyvoice/';
const HF_REPO = 'FunAudioLLM/CosyVoice2-0.5B';
const MODELSCOPE_REPO = 'iic/CosyVoice2-0.5B';

export const TOKENIZER_VOCAB_PATH = 'CosyVoice-BlankEN/vocab.json';
export const TOKENIZER_MERGES_PATH = 'CosyVoice-BlankEN/merges.txt';

export interface DownloadOptions {
  /** MODEL_DIR to fill. */
  dir: string;
  /** Where the official files and the tokenizer come from. */
  source: OfficialSource;
  hfEndpoint?: string;
  modelscopeEndpoint?: string;
  /** Base URL of the ailia-models CosyVoice2 export (exported graphs and .npy tables). */
  ailiaBase?: string;
  /** Attempts per file; each one resumes where the previous stopped. Default 5. */
  attempts?: number;
  /** Pause between attempts in ms. Default 2000. */
  retryDelayMs?: number;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** Total size, when the server said it. */
  totalBytes?: number;
  /** 'skipped' = already complete; 'downloading' while bytes arrive; 'done' once verified. */
  state: 'skipped' | 'downloading' | 'done';
  /** On 'done': whether the sha256 was checked against a known value (else only recorded). */
  sha256Verified?: boolean;
}

export interface DownloadResult {
  manifest: ModelPackManifest;
  downloaded: string[];
  skipped: string[];
}

/** One remote file and where it lands in MODEL_DIR. */
interface PlannedFile {
  path: string;
  url: string;
  role?: ModelRole;
  /** Whether the host publishes the sha256 (Hugging Face LFS files: X-Linked-Etag). */
  publishesSha256: boolean;
}

/** A download or verification failure; the message says what to do. */
export class ModelDownloadError extends Error {
  override name = 'ModelDownloadError';
}

const OFFICIAL_ROLES: readonly ModelRole[] = ['campplus', 'speechTokenizer', 'flowEstimator'];
const AILIA_ROLES: readonly ModelRole[] = [
  'embedTokens',
  'llm',
  'flowEncoder',
  'hift',
  'speechEmbedding',
  'llmEmbedding',
  'llmDecoderWeight',
  'llmDecoderBias',
];

/** The files of a complete pack and their public URLs. */
export function planDownload(options: DownloadOptions): PlannedFile[] {
  const official = (path: string): string =>
    options.source === 'huggingface'
      ? `${trimSlash(options.hfEndpoint ?? DEFAULT_HF_ENDPOINT)}/${HF_REPO}/resolve/main/${path}`
      : `${trimSlash(options.modelscopeEndpoint ?? DEFAULT_MODELSCOPE_ENDPOINT)}/models/${MODELSCOPE_REPO}/resolve/master/${path}`;
  const ailiaBase = `${trimSlash(options.ailiaBase ?? DEFAULT_AILIA_BASE)}/`;
  const publishesSha256 = options.source === 'huggingface';
  return [
    ...OFFICIAL_ROLES.map((role) => ({
      path: DEFAULT_ROLE_FILES[role],
      url: official(DEFAULT_ROLE_FILES[role]),
      role,
      publishesSha256,
    })),
    ...[TOKENIZER_VOCAB_PATH, TOKENIZER_MERGES_PATH].map((path) => ({
      path,
      url: official(path),
      publishesSha256,
    })),
    ...AILIA_ROLES.map((role) => ({
      path: DEFAULT_ROLE_FILES[role],
      url: `${ailiaBase}${DEFAULT_ROLE_FILES[role]}`,
      role,
      publishesSha256: false,
    })),
  ];
}

/**
 * Fetches every file of the pack into `options.dir`, resuming partial downloads (`<file>.part`
 * + HTTP Range), verifying sizes and sha256, then builds tokenizer.json and writes
 * cosyvoice2-pack.json with the size and sha256 of every file. Files the manifest already
 * records as complete are skipped, so running it again is cheap.
 */
export async function downloadModelPack(options: DownloadOptions): Promise<DownloadResult> {
  await mkdir(options.dir, { recursive: true });
  const manifest = await startingManifest(options.dir);
  const result: DownloadResult = { manifest, downloaded: [], skipped: [] };
  for (const planned of planDownload(options)) {
    const known = recordOf(manifest, planned);
    if (await isComplete(join(options.dir, planned.path), known)) {
      result.skipped.push(planned.path);
      options.onProgress?.({
        file: planned.path,
        receivedBytes: known!.size!,
        totalBytes: known!.size,
        state: 'skipped',
      });
      continue;
    }
    const entry = await downloadFile(options, planned, known);
    record(manifest, planned, entry);
    await writeManifestFile(options.dir, manifest);
    result.downloaded.push(planned.path);
  }
  const sourcesChanged = result.downloaded.some(
    (path) => path === TOKENIZER_VOCAB_PATH || path === TOKENIZER_MERGES_PATH,
  );
  const tokenizer = manifest.roles.tokenizer;
  if (sourcesChanged || !(await isComplete(join(options.dir, tokenizer.file), tokenizer))) {
    await buildTokenizerJson(options.dir, manifest);
    result.downloaded.push(tokenizer.file);
  } else {
    result.skipped.push(tokenizer.file);
  }
  await writeManifestFile(options.dir, manifest);
  return result;
}

async function startingManifest(dir: string): Promise<ModelPackManifest> {
  const existing = await readManifestFile(dir);
  const manifest = defaultManifest();
  // Keep what an earlier run verified, as long as it is about the same file name.
  for (const role of Object.keys(manifest.roles) as ModelRole[]) {
    if (existing.roles[role].file === manifest.roles[role].file) {
      manifest.roles[role] = existing.roles[role];
    }
  }
  manifest.sources = { ...existing.sources };
  return manifest;
}

function recordOf(manifest: ModelPackManifest, planned: PlannedFile): PackFileEntry | undefined {
  if (planned.role !== undefined) return manifest.roles[planned.role];
  const source = manifest.sources?.[planned.path];
  return source === undefined ? undefined : { file: planned.path, ...source };
}

function record(manifest: ModelPackManifest, planned: PlannedFile, entry: PackFileEntry): void {
  if (planned.role !== undefined) {
    manifest.roles[planned.role] = entry;
  } else {
    manifest.sources = {
      ...manifest.sources,
      [planned.path]: { size: entry.size, sha256: entry.sha256 },
    };
  }
}

async function isComplete(path: string, known: PackFileEntry | undefined): Promise<boolean> {
  if (known?.size === undefined || known.sha256 === undefined) return false;
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true && info.size === known.size;
}

async function downloadFile(
  options: DownloadOptions,
  planned: PlannedFile,
  known: PackFileEntry | undefined,
): Promise<PackFileEntry> {
  const target = join(options.dir, planned.path);
  const partial = `${target}.part`;
  await mkdir(dirname(target), { recursive: true });
  // A final file without a manifest record may be incomplete: resume it like a partial one.
  if (
    await stat(target).then(
      (info) => info.isFile(),
      () => false,
    )
  ) {
    await rename(target, partial);
  }
  const published = planned.publishesSha256 ? await publishedSha256(planned.url) : undefined;
  const expectedSha256 = known?.sha256 ?? published;
  const attempts = options.attempts ?? 5;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const size = await fetchInto(partial, planned, options);
      if (known?.size !== undefined && size !== known.size) {
        await rm(partial, { force: true });
        throw new ModelDownloadError(
          `${planned.path}: downloaded ${size} bytes, the manifest expects ${known.size}; the partial file was deleted — run the command again`,
        );
      }
      const sha256 = await sha256OfFile(partial);
      if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
        await rm(partial, { force: true });
        throw new ModelDownloadError(
          `${planned.path}: sha256 ${sha256} does not match the expected ${expectedSha256}; ` +
            `the download was deleted — run the command again (or fix ${planned.path} in the manifest)`,
        );
      }
      await rename(partial, target);
      options.onProgress?.({
        file: planned.path,
        receivedBytes: size,
        totalBytes: size,
        state: 'done',
        sha256Verified: expectedSha256 !== undefined,
      });
      return { file: planned.path, size, sha256 };
    } catch (error) {
      if (error instanceof ModelDownloadError) throw error;
      lastError = error;
      if (attempt < attempts) await sleep(options.retryDelayMs ?? 2000);
    }
  }
  const received = await stat(partial).then(
    (info) => info.size,
    () => 0,
  );
  const kept =
    received > 0
      ? `the ${received} bytes received are kept in ${planned.path}.part — run the command again to resume`
      : 'nothing was written — run the command again';
  throw new ModelDownloadError(
    `${planned.path}: could not download ${planned.url} after ${attempts} attempts ` +
      `(${describe(lastError)}); ${kept}`,
  );
}

/**
 * Appends the rest of the file to `partial`, starting at its current size. Returns the final
 * size. Throws (keeping the bytes received) when the connection breaks.
 */
async function fetchInto(
  partial: string,
  planned: PlannedFile,
  options: DownloadOptions,
): Promise<number> {
  const offset = await stat(partial).then(
    (info) => info.size,
    () => 0,
  );
  const response = await fetch(planned.url, {
    headers: {
      'accept-encoding': 'identity',
      ...(offset > 0 ? { range: `bytes=${offset}-` } : {}),
    },
  });
  if (response.status === 416) {
    await response.body?.cancel();
    const total = totalFromContentRange(response.headers.get('content-range'));
    if (total === offset) return offset;
    await rm(partial, { force: true });
    throw new Error(`the server rejected resuming at byte ${offset}; starting over`);
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new ModelDownloadError(
      `${planned.path}: GET ${planned.url} answered ${response.status} ${response.statusText}`,
    );
  }
  const resumed = response.status === 206;
  if (resumed && startFromContentRange(response.headers.get('content-range')) !== offset) {
    await response.body?.cancel();
    throw new Error(`the server resumed at the wrong byte (asked for ${offset})`);
  }
  const start = resumed ? offset : 0;
  const length = Number(response.headers.get('content-length') ?? NaN);
  const totalBytes = resumed
    ? (totalFromContentRange(response.headers.get('content-range')) ?? undefined)
    : Number.isFinite(length)
      ? length
      : undefined;
  if (response.body === null) throw new Error('empty response body');
  let received = start;
  // Chunks are written as they arrive, so a broken connection keeps every byte received.
  const file = await open(partial, resumed ? 'a' : 'w');
  try {
    for await (const chunk of response.body as WebReadableStream<Uint8Array>) {
      await file.write(chunk);
      received += chunk.length;
      options.onProgress?.({
        file: planned.path,
        receivedBytes: received,
        totalBytes,
        state: 'downloading',
      });
    }
  } finally {
    await file.close();
  }
  if (totalBytes !== undefined && received !== totalBytes) {
    throw new Error(`connection closed at byte ${received} of ${totalBytes}`);
  }
  return received;
}

/** Hugging Face publishes an LFS file's sha256 as X-Linked-Etag on the un-followed redirect. */
async function publishedSha256(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'manual' });
    const etag = (response.headers.get('x-linked-etag') ?? '')
      .replace(/^W\//, '')
      .replace(/"/g, '');
    return /^[0-9a-f]{64}$/.test(etag) ? etag : undefined;
  } catch {
    return undefined;
  }
}

async function buildTokenizerJson(dir: string, manifest: ModelPackManifest): Promise<void> {
  const file = manifest.roles.tokenizer.file;
  const path = join(dir, file);
  const vocab = JSON.parse(await readFile(join(dir, TOKENIZER_VOCAB_PATH), 'utf8')) as Record<
    string,
    number
  >;
  const merges = (await readFile(join(dir, TOKENIZER_MERGES_PATH), 'utf8')).split(/\r?\n/);
  await writeFile(path, JSON.stringify(buildCosyVoice2TokenizerJson(vocab, merges)));
  const { size } = await stat(path);
  manifest.roles.tokenizer = { file, size, sha256: await sha256OfFile(path) };
}

function startFromContentRange(header: string | null): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '');
  return match ? Number(match[1]) : undefined;
}

function totalFromContentRange(header: string | null): number | undefined {
  const match = /\/(\d+)$/.exec(header ?? '');
  return match ? Number(match[1]) : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
