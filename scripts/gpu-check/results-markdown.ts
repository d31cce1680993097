import type { GraphComparison } from './graph-comparison.js';
import type { HostTransferFigures } from './host-transfer.js';
import type { ServiceCheck } from './service-load.js';

export interface GpuCheckResults {
  date: string;
  node: string;
  pack: string;
  vulkanDriverFiles: string | null;
  gpuMemoryMiBAtEnd: number | null;
  /** False while steps are still running (results are written after each one). */
  complete: boolean;
  graphs: GraphComparison[];
  transfer: HostTransferFigures[];
  /** Step 3; null until the service has answered its first requests. */
  service: ServiceCheck | null;
}

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const ms = (value: number) => value.toFixed(1);

/** The service's table, its settings and the definitions of its columns. */
function serviceMarkdown(service: ServiceCheck | null): string[] {
  if (service === null) return ['## The service on WebGPU', '', 'Not measured.', ''];
  const settings = Object.entries(service.settings)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  const errors = service.levels.flatMap((level) =>
    level.errors.map((error) => `- ${level.transport}, ${level.concurrency} at once: ${error}`),
  );
  return [
    '## The service on WebGPU, over HTTP and WebSocket',
    '',
    `The bundled service (\`app/service.js\`, SQLite and local storage in a temporary directory; ` +
      `${settings}) was ready ${ms(service.readyMs / 1000)} s after its start ` +
      `(${service.rssMiBAfterBoot.toFixed(0)} MiB resident). One reference voice uploaded through ` +
      '`POST /api/v1/audio/reference_audio`; the requests speak ' +
      `${service.texts.join(', ')} in turn (\`fast_replication\`, WAV 24 kHz). ` +
      `First audio over HTTP: cold (the first request after /ready) ${ms(service.firstAudio.coldMs)} ms, ` +
      `warm (the same request again) ${ms(service.firstAudio.warmMs)} ms.`,
    '',
    'Definitions (those of Alibaba’s CosyVoice pressure test), per transport and number of streams ' +
      'at once (each stream sends its next request when its previous one ends):',
    '',
    '- **TTFP** (time to first packet): from sending the request (HTTP: `POST /api/v1/audio/speech` ' +
      'with `stream: true`, read as server-sent events; WebSocket: `run-task` on an open connection, ' +
      'then `continue-task` and `finish-task`) to the first message carrying audio; p50/p95/p99 over ' +
      'the successful requests.',
    '- **RTF** (real-time factor): a request’s wall time to its last message / seconds of audio it returned.',
    '- **Success rate**: requests that ended with audio and no error / requests sent.',
    '- **LLM tokens/s**: speech tokens returned (25 per second of audio) by all streams of the level ' +
      'per second of its wall time. **GPU MiB**: `nvidia-smi` memory in use at the end of the level; ' +
      '**RSS MiB**: the service process’s resident memory then.',
    '',
    table(
      [
        'transport',
        'streams',
        'requests',
        'success',
        'TTFP p50 ms',
        'TTFP p95 ms',
        'TTFP p99 ms',
        'RTF p50',
        'RTF p95',
        'LLM tokens/s',
        'GPU MiB',
        'RSS MiB',
      ],
      service.levels.map((level) => [
        level.transport,
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
    ...(errors.length > 0 ? ['Failures:', '', ...errors, ''] : []),
  ];
}

/** The results as markdown tables (what BENCHMARKS.md takes over). */
export function resultsMarkdown(results: GpuCheckResults): string {
  return [
    `# GPU check, ${results.date}${results.complete ? '' : ' (partial: the check had not finished)'}`,
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
    ...serviceMarkdown(results.service),
  ].join('\n');
}
