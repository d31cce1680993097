import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../../src/config/load-config.js';
import { engineNodeListenAddress } from '../../../src/engine-node/engine-node.config.js';
import { REPOSITORY_DIR } from '../../support/compose-project.js';

interface Resource {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & {
    clusterIP?: string;
    ports?: { port: number; name: string }[];
    template?: { spec: PodSpec };
    selector?: { matchLabels?: Record<string, string> };
  };
}

interface Container {
  command?: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  resources: { limits?: Record<string, unknown> };
  readinessProbe: { grpc?: { port: number }; httpGet?: { path: string } };
  startupProbe?: { grpc?: { port: number } };
}

interface PodSpec {
  terminationGracePeriodSeconds: number;
  containers: Container[];
}

async function resources(file: string): Promise<Resource[]> {
  const text = await readFile(join(REPOSITORY_DIR, 'deploy', 'kubernetes', file), 'utf8');
  return parseAllDocuments(text).map((document) => document.toJS() as Resource);
}

function find(list: Resource[], kind: string): Resource {
  const found = list.find((resource) => resource.kind === kind);
  if (!found) throw new Error(`no ${kind}`);
  return found;
}

/** The plain `value` env entries of a container, with the secret's value standing in for refs. */
function environment(container: Container): Record<string, string> {
  return Object.fromEntries(
    container.env.map((entry) => [entry.name, entry.value ?? 'a-secret-from-the-cluster']),
  );
}

describe('deploy/kubernetes (separated API and engine nodes)', () => {
  it('runs engine nodes on one GPU each behind a headless Service, probed by gRPC health', async () => {
    const engine = await resources('engine.yaml');
    const service = find(engine, 'Service');
    expect(service.spec.clusterIP).toBe('None');
    const pod = find(engine, 'Deployment').spec.template!.spec;
    const [container] = pod.containers;
    expect(container.command).toEqual(['node', 'dist/engine-node/main.js']);
    expect(container.resources.limits).toMatchObject({ 'nvidia.com/gpu': 1 });
    const config = loadConfig(environment(container));
    const address = engineNodeListenAddress(config);
    expect(service.spec.ports?.[0].port).toBe(address.port);
    expect(container.readinessProbe.grpc?.port).toBe(address.port);
    expect(container.startupProbe?.grpc?.port).toBe(address.port);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdownGraceMs);
    expect(find(engine, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  it('points the API service at every engine pod through the headless Service', async () => {
    const [api, engine] = await Promise.all([resources('api.yaml'), resources('engine.yaml')]);
    const pod = find(api, 'Deployment').spec.template!.spec;
    const config = loadConfig({ ...environment(pod.containers[0]), API_TOKENS: 'k'.repeat(32) });
    const service = find(engine, 'Service');
    expect(config.engine.nodes).toEqual([
      `dns:///${service.metadata.name}:${service.spec.ports?.[0].port}`,
    ]);
    expect(config.engine.secret).toBeDefined();
    expect(pod.containers[0].resources.limits).toBeUndefined();
    expect(pod.containers[0].readinessProbe.httpGet?.path).toBe('/ready');
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdownGraceMs);
    expect(find(api, 'PodDisruptionBudget').spec.minAvailable).toBe(1);
  });
});
