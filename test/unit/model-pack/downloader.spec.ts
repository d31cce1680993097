import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadModelPack,
  type DownloadOptions,
  ModelDownloadError,
} from '../../../scripts/models/model-pack.downloader.js';
import { loadModelPack } from '../../../src/inference/model-pack/model-pack.loader.js';
import { readManifestFile } from '../../../src/inference/model-pack/model-pack.manifest-file.js';
import { MODEL_ROLES } from '../../../src/inference/model-pack/model-pack.manifest.js';
import { TINY_PACK_FIXTURE_DIR } from '../../support/tiny-pack.js';

Logger.overrideLogger(false);

interface Request {
  method: string;
  path: string;
  range?: string;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Serves a tiny pack the way the public hosts lay it out:
 *   /hf/FunAudioLLM/CosyVoice2-0.5B/resolve/main/<path>   (HEAD answers X-Linked-Etag = sha256)
 *   /ms/models/iic/CosyVoice2-0.5B/resolve/master/<path>
 *   /ailia/<file>
 * with HTTP Range support and switches to cut a response short, ignore Range or lie about a
 * checksum.
 */
class PackServer {
  readonly files = new Map<string, Buffer>();
  readonly requests: Request[] = [];
  /** File name → bytes to send before dropping the connection, on the next GET only. */
  readonly cutOnce = new Map<string, number>();
  readonly wrongEtag = new Set<string>();
  ignoreRange = false;
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = decodeURIComponent(request.url ?? '');
    this.requests.push({ method: request.method ?? '', path, range: request.headers.range });
    const name =
      /^\/(?:hf\/FunAudioLLM\/CosyVoice2-0\.5B\/resolve\/main|ms\/models\/iic\/CosyVoice2-0\.5B\/resolve\/master|ailia)\/(.+)$/.exec(
        path,
      )?.[1];
    const body = name === undefined ? undefined : this.files.get(name);
    if (name === undefined || body === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    if (request.method === 'HEAD') {
      const etag = this.wrongEtag.has(name) ? sha256(Buffer.from('something else')) : sha256(body);
      response.writeHead(path.startsWith('/hf/') ? 302 : 200, {
        location: `${this.base}/cdn/${name}`,
        'x-linked-etag': `"${etag}"`,
        'x-linked-size': String(body.length),
      });
      response.end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (range && !this.ignoreRange) {
      start = Number(range[1]);
      if (start >= body.length) {
        response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      response.writeHead(206, {
        'content-length': String(body.length - start),
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else {
      response.writeHead(200, { 'content-length': String(body.length) });
    }
    const cut = this.cutOnce.get(name);
    if (cut !== undefined) {
      this.cutOnce.delete(name);
      // Let the client receive the bytes before the connection drops.
      response.write(body.subarray(start, start + cut), () =>
        setTimeout(() => response.destroy(), 50),
      );
      return;
    }
    response.end(body.subarray(start));
  }
}

const VOCAB = { a: 0, b: 1, ab: 2, Ġ: 3 };
const MERGES = '#version: 0.2\na b\n';

describe('downloadModelPack against a local HTTP server', () => {
  const server = new PackServer();
  let dir: string;

  beforeAll(async () => {
    for (const file of await readdir(TINY_PACK_FIXTURE_DIR)) {
      server.files.set(file, await readFile(join(TINY_PACK_FIXTURE_DIR, file)));
    }
    server.files.set('CosyVoice-BlankEN/vocab.json', Buffer.from(JSON.stringify(VOCAB)));
    server.files.set('CosyVoice-BlankEN/merges.txt', Buffer.from(MERGES));
    await server.start();
  });
  afterAll(() => server.stop());

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-pack-download-'));
    server.requests.length = 0;
    server.cutOnce.clear();
    server.wrongEtag.clear();
    server.ignoreRange = false;
  });

  const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
    dir,
    source: 'huggingface',
    hfEndpoint: `${server.base}/hf`,
    modelscopeEndpoint: `${server.base}/ms`,
    ailiaBase: `${server.base}/ailia`,
    attempts: 3,
    retryDelayMs: 0,
    ...extra,
  });
  const gets = () => server.requests.filter((request) => request.method === 'GET');

  it('fetches a complete pack the loader accepts, with size and sha256 of every file in the manifest', async () => {
    const verified = new Map<string, boolean | undefined>();
    const result = await downloadModelPack(
      options({
        onProgress: (event) => {
          if (event.state === 'done') verified.set(event.file, event.sha256Verified);
        },
      }),
    );
    expect(verified.get('campplus.onnx')).toBe(true); // Hugging Face publishes the sha256
    expect(verified.get('CosyVoice2-0.5B_llm.onnx')).toBe(false); // recorded only
    expect(result.skipped).toEqual([]);
    expect(result.downloaded).toHaveLength(11 + 2 + 1);
    const manifest = await readManifestFile(dir);
    for (const role of MODEL_ROLES) {
      const entry = manifest.roles[role];
      const bytes = await readFile(join(dir, entry.file));
      expect({ role, size: entry.size, sha256: entry.sha256 }).toEqual({
        role,
        size: bytes.length,
        sha256: sha256(bytes),
      });
    }
    expect(manifest.sources?.['CosyVoice-BlankEN/merges.txt']).toEqual({
      size: MERGES.length,
      sha256: sha256(Buffer.from(MERGES)),
    });
    expect(gets().map((request) => request.path)).toContain(
      '/hf/FunAudioLLM/CosyVoice2-0.5B/resolve/main/flow.decoder.estimator.fp32.onnx',
    );
    expect(gets().map((request) => request.path)).toContain('/ailia/CosyVoice2-0.5B_llm.onnx');
    const tokenizer = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    expect(tokenizer.model.vocab).toEqual(VOCAB);
    expect(tokenizer.model.merges).toEqual([['a', 'b']]);
    const pack = await loadModelPack({ modelDir: dir, device: 'cpu', threads: 1 });
    expect(pack.dims.numLayers).toBe(4);
    await pack.release();
  });

  it('is idempotent: a second run downloads nothing', async () => {
    await downloadModelPack(options());
    server.requests.length = 0;
    const again = await downloadModelPack(options());
    expect(again.downloaded).toEqual([]);
    expect(again.skipped).toHaveLength(14);
    expect(server.requests).toEqual([]);
  });

  it('rebuilds a deleted tokenizer.json from the downloaded sources without the network', async () => {
    await downloadModelPack(options());
    const built = await readFile(join(dir, 'tokenizer.json'));
    await rm(join(dir, 'tokenizer.json'));
    server.requests.length = 0;
    const again = await downloadModelPack(options());
    expect(again.downloaded).toEqual(['tokenizer.json']);
    expect(server.requests).toEqual([]);
    expect((await readFile(join(dir, 'tokenizer.json'))).equals(built)).toBe(true);
  });

  it('resumes with a Range request after the server cuts a response off', async () => {
    server.cutOnce.set('CosyVoice2-0.5B_llm.onnx', 100_000);
    const progress: number[] = [];
    await downloadModelPack(
      options({
        onProgress: (event) => {
          if (event.file === 'CosyVoice2-0.5B_llm.onnx') progress.push(event.receivedBytes);
        },
      }),
    );
    const llmGets = gets().filter((request) => request.path === '/ailia/CosyVoice2-0.5B_llm.onnx');
    expect(llmGets).toHaveLength(2);
    expect(llmGets[0].range).toBeUndefined();
    expect(llmGets[1].range).toBe('bytes=100000-');
    const original = server.files.get('CosyVoice2-0.5B_llm.onnx')!;
    expect(sha256(await readFile(join(dir, 'CosyVoice2-0.5B_llm.onnx')))).toBe(sha256(original));
    expect(progress.at(-1)).toBe(original.length);
  });

  it('resumes a .part file left by an interrupted earlier run', async () => {
    const original = server.files.get('CosyVoice2-0.5B_speech_embedding.npy')!;
    await writeFile(
      join(dir, 'CosyVoice2-0.5B_speech_embedding.npy.part'),
      original.subarray(0, 1000),
    );
    await downloadModelPack(options());
    const request = gets().find(
      (entry) => entry.path === '/ailia/CosyVoice2-0.5B_speech_embedding.npy',
    );
    expect(request?.range).toBe('bytes=1000-');
    const bytes = await readFile(join(dir, 'CosyVoice2-0.5B_speech_embedding.npy'));
    expect(sha256(bytes)).toBe(sha256(original));
  });

  it('starts over when the server ignores Range', async () => {
    server.ignoreRange = true;
    const original = server.files.get('CosyVoice2-0.5B_hift.onnx')!;
    await writeFile(join(dir, 'CosyVoice2-0.5B_hift.onnx.part'), Buffer.alloc(500, 7));
    await downloadModelPack(options());
    expect(sha256(await readFile(join(dir, 'CosyVoice2-0.5B_hift.onnx')))).toBe(sha256(original));
  });

  it('rejects a file whose sha256 differs from the published one and deletes it', async () => {
    server.wrongEtag.add('campplus.onnx');
    const error = await downloadModelPack(options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelDownloadError);
    const actual = sha256(server.files.get('campplus.onnx')!);
    const published = sha256(Buffer.from('something else'));
    expect((error as Error).message).toBe(
      `campplus.onnx: sha256 ${actual} does not match the expected ${published}; the download ` +
        'was deleted — run the command again (or fix campplus.onnx in the manifest)',
    );
    await expect(stat(join(dir, 'campplus.onnx'))).rejects.toThrow();
    await expect(stat(join(dir, 'campplus.onnx.part'))).rejects.toThrow();
  });

  it('rejects a file whose sha256 differs from the one a manifest already records', async () => {
    await writeFile(
      join(dir, 'cosyvoice2-pack.json'),
      JSON.stringify({
        format: 'cosyvoice2-pack',
        version: 1,
        roles: { hift: { file: 'CosyVoice2-0.5B_hift.onnx', sha256: 'f'.repeat(64) } },
      }),
    );
    const error = await downloadModelPack(options()).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(
      /^CosyVoice2-0\.5B_hift\.onnx: sha256 [0-9a-f]{64} does not match the expected f{64};/,
    );
  });

  it('uses the ModelScope URL layout with --source modelscope', async () => {
    await downloadModelPack(options({ source: 'modelscope' }));
    const paths = gets().map((request) => request.path);
    expect(paths).toContain('/ms/models/iic/CosyVoice2-0.5B/resolve/master/campplus.onnx');
    expect(paths).toContain(
      '/ms/models/iic/CosyVoice2-0.5B/resolve/master/CosyVoice-BlankEN/vocab.json',
    );
    expect(server.requests.some((request) => request.method === 'HEAD')).toBe(false);
  });

  it('names the URL that answered an HTTP error', async () => {
    const error = await downloadModelPack(
      options({ ailiaBase: `${server.base}/nothing-here/` }),
    ).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      `CosyVoice2-0.5B_embed_tokens.onnx: GET ${server.base}/nothing-here/CosyVoice2-0.5B_embed_tokens.onnx answered 404 Not Found`,
    );
  });

  it('keeps the partial file and says how to resume when every attempt breaks', async () => {
    await mkdir(dir, { recursive: true });
    server.cutOnce.set('campplus.onnx', 10);
    const error = await downloadModelPack(options({ attempts: 1 })).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(
      /^campplus\.onnx: could not download .*campplus\.onnx after 1 attempts \(.+\); the 10 bytes received are kept in campplus\.onnx\.part — run the command again to resume$/,
    );
    expect((await stat(join(dir, 'campplus.onnx.part'))).size).toBe(10);
  });

  it('does not claim to keep a partial file when nothing was received', async () => {
    await mkdir(dir, { recursive: true });
    server.cutOnce.set('campplus.onnx', 0);
    const error = await downloadModelPack(options({ attempts: 1 })).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(
      /^campplus\.onnx: could not download .*campplus\.onnx after 1 attempts \(.+\); nothing was written — run the command again$/,
    );
  });
});
