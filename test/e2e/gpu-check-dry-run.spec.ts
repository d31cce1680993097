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
    expect(results.complete).toBe(true);
    const service = results.service!;
    expect(service.settings).toMatchObject({ INFERENCE_DEVICE: 'webgpu' });
    expect(service.texts).toEqual(['zh-short', 'en-short']);
    expect(service.firstAudio.coldMs).toBeGreaterThan(0);
    expect(service.firstAudio.warmMs).toBeGreaterThan(0);
    expect(
      service.levels.map((level) => [level.transport, level.concurrency, level.requests]),
    ).toEqual([
      ['HTTP (SSE)', 1, 2],
      ['WebSocket', 1, 2],
      ['HTTP (SSE)', 2, 2],
      ['WebSocket', 2, 2],
    ]);
    for (const level of service.levels) {
      const name = `${level.transport} × ${level.concurrency}`;
      expect(level.successRate, name).toBe(1);
      expect(level.errors, name).toEqual([]);
      expect(level.ttfpP50Ms, name).toBeGreaterThan(0);
      expect(level.ttfpP95Ms, name).toBeGreaterThanOrEqual(level.ttfpP50Ms);
      expect(level.ttfpP99Ms, name).toBeGreaterThanOrEqual(level.ttfpP95Ms);
      expect(level.rtfP95, name).toBeGreaterThanOrEqual(level.rtfP50);
      expect(level.llmTokensPerSecond, name).toBeGreaterThan(0);
      expect(level.rssMiB, name).toBeGreaterThan(service.rssMiBAfterBoot / 2);
    }
    const markdown = await readFile(join(dir, 'results', 'results.md'), 'utf8');
    expect(markdown).toContain(
      '| transport | streams | requests | success | TTFP p50 ms | TTFP p95 ms | TTFP p99 ms |',
    );
    expect(markdown).toContain('| WebSocket | 2 | 2 | 100 % |');
    expect(markdown).toContain('**TTFP** (time to first packet): from sending the request');
    expect(markdown).not.toContain('partial');
  }, 1_800_000);
});
