import type { LoadLevel } from './engine-load.js';
import type { GraphComparison } from './graph-comparison.js';
import type { HostTransferFigures } from './host-transfer.js';

export interface GpuCheckResults {
  date: string;
  node: string;
  pack: string;
  vulkanDriverFiles: string | null;
  gpuMemoryMiBAtEnd: number | null;
  graphs: GraphComparison[];
  transfer: HostTransferFigures[];
  firstAudio: { coldMs: number; warmMs: number };
  load: LoadLevel[];
}

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const ms = (value: number) => value.toFixed(1);

/** The results as markdown tables (what BENCHMARKS.md takes over). */
export function resultsMarkdown(results: GpuCheckResults): string {
  return [
    `# GPU check, ${results.date}`,
    '',
    `Node ${results.node}; pack ${results.pack}; Vulkan driver files: ${results.vulkanDriverFiles ?? 'the loader default'}; GPU memory at the end: ${results.gpuMemoryMiBAtEnd ?? 'n/a'} MiB.`,
    '',
    '## Each graph, CPU vs WebGPU',
    '',
    table(
      [
        'graph',
        'output dims',
        'max abs diff',
        'max abs',
        'cpu ms',
        'webgpu cold ms',
        'webgpu warm ms',
      ],
      results.graphs.map((graph) => [
        graph.role,
        graph.cpuDims.map((dims) => dims.join('×')).join(', '),
        graph.maxAbsDiff.toExponential(2),
        graph.maxAbs.toPrecision(3),
        ms(graph.cpuMs),
        ms(graph.gpuColdMs),
        ms(graph.gpuWarmMs),
      ]),
    ),
    '',
    '## Bytes between JavaScript and the device',
    '',
    table(
      [
        'device',
        'per token fed',
        'per token returned',
        'cached positions',
        'per chunk fed',
        'per chunk returned',
        'chunk tokens',
      ],
      results.transfer.map((row) => [
        row.device,
        row.tokenFedBytes,
        row.tokenReturnedBytes,
        row.cachedPositions,
        row.chunkFedBytes,
        row.chunkReturnedBytes,
        row.chunkTokens,
      ]),
    ),
    '',
    `## The engine on WebGPU (first audio cold ${ms(results.firstAudio.coldMs)} ms, warm ${ms(results.firstAudio.warmMs)} ms)`,
    '',
    table(
      [
        'streams',
        'requests',
        'success',
        'TTFP p50 ms',
        'p95',
        'p99',
        'RTF p50',
        'RTF p95',
        'LLM tokens/s',
        'GPU MiB',
        'RSS MiB',
      ],
      results.load.map((level) => [
        level.concurrency,
        level.requests,
        `${(level.successRate * 100).toFixed(0)} %`,
        ms(level.ttfpP50Ms),
        ms(level.ttfpP95Ms),
        ms(level.ttfpP99Ms),
        level.rtfP50.toFixed(3),
        level.rtfP95.toFixed(3),
        level.llmTokensPerSecond.toFixed(1),
        level.gpuMemoryMiB ?? 'n/a',
        level.rssMiB.toFixed(0),
      ]),
    ),
    '',
  ].join('\n');
}
