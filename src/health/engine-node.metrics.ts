import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { EngineNodeUsage } from '../inference/engine-fleet/engine-node.client.js';
import { INFERENCE_PROVIDER, InferenceProvider } from '../inference/inference.provider.js';
import { MetricsService } from '../metrics/metrics.service.js';

type NodeField = 'dispatches' | 'failures' | 'retries';

/**
 * Prometheus metrics of the engine nodes (ENGINE_NODES), per node, read from the provider at
 * each scrape: syntheses dispatched, dispatches that failed, dispatches that were retries of a
 * synthesis another node refused or failed before its first audio, slots this API service uses,
 * audio chunks received and not yet taken by a client, and whether the node is ready.
 */
@Injectable()
export class EngineNodeMetrics {
  constructor(@Inject(INFERENCE_PROVIDER) inference: InferenceProvider, metrics: MetricsService) {
    const registers = [metrics.registry];
    const usage = (): EngineNodeUsage[] => inference.engineNodeUsage?.() ?? [];
    const counter = (name: string, help: string, field: NodeField): void => {
      new Counter({
        name,
        help,
        labelNames: ['node'] as const,
        registers,
        collect() {
          this.reset();
          for (const node of usage()) this.inc({ node: node.node }, node[field]);
        },
      });
    };
    counter(
      'engine_node_dispatches_total',
      'Syntheses dispatched to each engine node',
      'dispatches',
    );
    counter(
      'engine_node_failures_total',
      'Dispatches to each engine node that it refused or failed',
      'failures',
    );
    counter(
      'engine_node_retries_total',
      'Dispatches to each engine node that retried a synthesis another node refused or failed before its first audio',
      'retries',
    );
    new Gauge({
      name: 'engine_node_slots_in_use',
      help: 'Syntheses this API service runs on each engine node now',
      labelNames: ['node'] as const,
      registers,
      collect() {
        this.reset();
        for (const node of usage()) this.set({ node: node.node }, node.slotsInUse);
      },
    });
    new Gauge({
      name: 'engine_node_chunks_buffered',
      help: 'Audio chunks received from each engine node that no client has taken yet (at most the credit window, 2, per synthesis)',
      labelNames: ['node'] as const,
      registers,
      collect() {
        this.reset();
        for (const node of usage()) this.set({ node: node.node }, node.chunksBuffered);
      },
    });
    new Gauge({
      name: 'engine_node_ready',
      help: "Whether each engine node answers, is ready and serves the fleet's model pack (1) or not (0)",
      labelNames: ['node'] as const,
      registers,
      collect() {
        this.reset();
        for (const node of usage()) this.set({ node: node.node }, node.ready ? 1 : 0);
      },
    });
  }
}
