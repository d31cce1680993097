import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuCheckResults } from '../../scripts/gpu-check/results-markdown.js';
import { GRAPH_ROLES } from '../../src/inference/model-pack/model-pack.manifest.js';
import { REPOSITORY_DIR } from '../support/compose-project.js';

/** Runs `npm run gpu-check -- --dry-run <dir>`; resolves with its exit code and output. */
function dryRun(dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'gpu-check', '--', '--dry-run', dir], {
      cwd: REPOSITORY_DIR,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run gpu-check -- --dry-run (SwiftShader, tiny pack)', () => {
  let dir: string | undefined;

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds a bundle under 60 MiB and runs all its steps', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gpu-check-test-'));
    const { code, output } = await dryRun(dir);
    expect(code, output).toBe(0);
    const size = /gpu-check dry run: bundle ([\d.]+) MiB/.exec(output);
    expect(size, output).not.toBeNull();
    expect(Number(size?.[1])).toBeLessThan(60);
    expect(output).toContain('Vulkan driver files: /usr/lib/chromium/vk_swiftshader_icd.json');

    const results = JSON.parse(
      await readFile(join(dir, 'results', 'results.json'), 'utf8'),
    ) as GpuCheckResults;
    expect(results.graphs.map((graph) => graph.role)).toEqual([...GRAPH_ROLES]);
    for (const graph of results.graphs) {
      expect(graph.gpuDims, graph.role).toEqual(graph.cpuDims);
      expect(graph.maxAbsDiff, graph.role).toBeLessThanOrEqual(1e-3 * Math.max(1, graph.maxAbs));
    }
    expect(results.transfer.map((row) => row.device)).toEqual(['cpu', 'webgpu']);
    expect(results.transfer[1].tokenReturnedBytes).toBeLessThan(
      results.transfer[0].tokenReturnedBytes,
    );
    expect(results.load.map((level) => [level.concurrency, level.requests])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    for (const level of results.load) expect(level.successRate).toBe(1);
    const markdown = await readFile(join(dir, 'results', 'results.md'), 'utf8');
    expect(markdown).toContain('| streams | requests | success | TTFP p50 ms |');
  }, 1_800_000);
});
