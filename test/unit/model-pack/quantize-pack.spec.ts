import { Logger } from '@nestjs/common';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canGenerateTinyPack } from '../../../scripts/models/tiny-pack.js';
import { quantizePack } from '../../../scripts/models/quantize-pack.js';
import { sha256OfFile } from '../../../src/inference/model-pack/file-digest.js';
import { readManifestFile } from '../../../src/inference/model-pack/model-pack.manifest-file.js';
import { loadCpuEngine } from '../../support/cpu-engine.js';
import { prepareTinyPack } from '../../support/tiny-pack.js';

const available = await canGenerateTinyPack();
const LLM = 'CosyVoice2-0.5B_llm.onnx';

async function digests(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of await readdir(dir)) result[name] = await sha256OfFile(join(dir, name));
  return result;
}

describe.skipIf(!available)('npm run models:quantize (int8 pack)', () => {
  let work: string;
  let source: string;
  let sourceDigests: Record<string, string>;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    work = await mkdtemp(join(tmpdir(), 'cosyvoice2-int8-'));
    source = await prepareTinyPack();
    sourceDigests = await digests(source);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('rewrites the LLM MatMuls as MatMulInteger, updates the manifest and keeps the source pack', async () => {
    const target = join(work, 'int8');
    const graphs = await quantizePack(source, target, { estimator: false });

    expect(graphs).toEqual([{ file: LLM, matmuls: expect.any(Number) as number }]);
    expect(graphs[0].matmuls).toBeGreaterThan(0);
    const llm = await readFile(join(target, LLM));
    expect(llm.includes('MatMulInteger')).toBe(true);
    expect(llm.includes('DynamicQuantizeLinear')).toBe(true);
    expect(await digests(source)).toEqual(sourceDigests);

    const manifest = await readManifestFile(target);
    expect(manifest.roles.llm).toEqual({
      file: LLM,
      size: llm.length,
      sha256: await sha256OfFile(join(target, LLM)),
    });
    expect(manifest.roles.llm.sha256).not.toBe(sourceDigests[LLM]);
    const targetDigests = await digests(target);
    for (const [name, digest] of Object.entries(sourceDigests)) {
      if (name !== LLM && name !== 'cosyvoice2-pack.json') expect(targetDigests[name]).toBe(digest);
    }
  });

  it('loads through the normal loader and synthesises audio with the int8 LLM', async () => {
    const { engine, voice } = await loadCpuEngine(join(work, 'int8'));
    let samples = 0;
    for await (const chunk of engine.synthesize({
      mode: 'zero_shot',
      text: 'The quick brown fox jumps over the lazy dog.',
      promptText: 'This is the reference speaker talking.',
      voice,
      speed: 1,
      stream: false,
      seed: 11,
    })) {
      samples += chunk.samples.length;
    }
    await engine.onApplicationShutdown();
    // Whole speech tokens at 24 kHz: 2 mel frames of 480 samples each.
    expect(samples).toBeGreaterThan(0);
    expect(samples % 960).toBe(0);
  });

  it('refuses a graph without MatMul weights and leaves no directory behind', async () => {
    const target = join(work, 'refused');
    await expect(quantizePack(source, target, { estimator: true })).rejects.toThrow(
      /flow\.decoder\.estimator\.fp32\.onnx has no MatMul with a 2-D float weight: nothing to quantise/,
    );
    await expect(readdir(target)).rejects.toThrow(/ENOENT/);
    expect(await digests(source)).toEqual(sourceDigests);
  });

  it('without a pack: says so and how to get one (no traceback), leaves nothing behind', async () => {
    const missing = join(work, 'no-pack');
    await expect(quantizePack(missing, join(work, 'out-1'), { estimator: false })).rejects.toThrow(
      `${missing} is not a model pack directory — run: npm run models:download`,
    );
    const empty = await mkdtemp(join(work, 'empty-'));
    await expect(quantizePack(empty, join(work, 'out-2'), { estimator: false })).rejects.toThrow(
      `${empty} has no CosyVoice2-0.5B_llm.onnx to quantise — run: npm run models:download`,
    );
    await expect(readdir(join(work, 'out-2'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses an existing output directory', async () => {
    await expect(quantizePack(source, source, { estimator: false })).rejects.toThrow(
      /already exists: give a new directory/,
    );
    expect(await digests(source)).toEqual(sourceDigests);
  });
});
