import { spawn } from 'node:child_process';
import { truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prepareTinyPack } from '../support/tiny-pack.js';

const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `npm run models:check -- ...args`'s script with only the given settings. */
function runCheck(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/models/check-pack.ts', ...args],
      {
        cwd: PROJECT_DIR,
        env: { PATH: process.env.PATH ?? '', INFERENCE_THREADS: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stdout += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

describe('npm run models:check', () => {
  it('on the tiny pack: reports files, graphs, sizes and one synthesis per mode, says it is a test pack and exits 3', async () => {
    const dir = await prepareTinyPack();
    const { code, stdout } = await runCheck({ MODEL_DIR: dir });
    expect(stdout).toContain('TEST PACK');
    expect(stdout).toMatch(/audio is not speech/);
    expect(stdout).toMatch(/ok {3}CosyVoice2-0\.5B_llm\.onnx: 228\.0 kB, size ok, sha256 ok/);
    expect(stdout).toContain('out estimator_out: float32 [2, 80, seq_len]');
    expect(stdout).toContain('in  key_cache3: float32 [1, 2, past, 8]');
    expect(stdout).toContain(
      'LLM: 4 layers, hidden 32, 2 KV heads × 8; speech vocabulary 6564 rows',
    );
    expect(stdout).toContain('CosyVoice2-0.5B_speech_embedding.npy: [6564, 32]');
    for (const mode of [
      'fast_replication',
      'cross_lingual_replication',
      'natural_language_replication',
    ]) {
      expect(stdout).toMatch(
        new RegExp(
          `${mode}: [1-9]\\d* speech tokens, \\d+\\.\\d\\d s audio, peak -?\\d+\\.\\d dBFS, RMS -\\d+\\.\\d dBFS, ` +
            `first audio \\d+\\.\\d\\d s, RTF \\d+\\.\\d\\d, cpu`,
        ),
      );
    }
    expect(stdout).not.toMatch(/^\s*FAIL/m);
    expect(code).toBe(3);
  }, 120_000);

  it('on a broken pack: names the file, says why the service would refuse it and exits 1', async () => {
    const dir = await prepareTinyPack();
    await truncate(join(dir, 'CosyVoice2-0.5B_llm_decoder_bias.npy'), 100);
    const { code, stdout } = await runCheck({ MODEL_DIR: dir });
    expect(stdout).toMatch(
      /FAIL CosyVoice2-0\.5B_llm_decoder_bias\.npy: 100 B, size mismatch, sha256 mismatch/,
    );
    expect(stdout).toMatch(
      /FAIL: the service would not load this pack: CosyVoice2-0\.5B_llm_decoder_bias\.npy has 100 bytes but the manifest says 26384/,
    );
    expect(code).toBe(1);
  }, 60_000);

  it('without a pack: says which directory is missing and how to fetch it, exits 1', async () => {
    const { code, stdout } = await runCheck({ MODEL_DIR: '/nonexistent/pack' });
    expect(stdout).toContain(
      'Model directory /nonexistent/pack does not exist (MODEL_DIR) — run: npm run models:download',
    );
    expect(code).toBe(1);
  }, 60_000);

  it('checks the directory given as its argument, not MODEL_DIR', async () => {
    const dir = await prepareTinyPack();
    await truncate(join(dir, 'CosyVoice2-0.5B_llm_decoder_bias.npy'), 100);
    const { code, stdout } = await runCheck({ MODEL_DIR: '/nonexistent/pack' }, [dir]);
    expect(stdout).toContain(`CosyVoice2 model pack check: ${dir},`);
    expect(stdout).toMatch(/FAIL CosyVoice2-0\.5B_llm_decoder_bias\.npy: 100 B, size mismatch/);
    expect(stdout).not.toContain('/nonexistent/pack');
    expect(code).toBe(1);
  }, 60_000);

  it('more than one argument: prints its usage and exits 2', async () => {
    const { code, stdout } = await runCheck({}, ['a', 'b']);
    expect(stdout).toContain('usage: npm run models:check [-- <dir>]');
    expect(code).toBe(2);
  }, 60_000);

  it('bad settings: exits 2 with the variable named', async () => {
    const { code, stdout } = await runCheck({ INFERENCE_DEVICE: 'tpu' });
    expect(stdout).toMatch(/INFERENCE_DEVICE="tpu"/);
    expect(code).toBe(2);
  }, 60_000);
});
