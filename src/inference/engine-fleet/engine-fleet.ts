import { Logger } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { EngineUnavailableError } from '../inference.provider.js';
import {
  type EngineNodeAccess,
  EngineNodeClient,
  type EngineNodeUsage,
} from './engine-node.client.js';

/** `dns:///name:port`: every address the name resolves to. */
const DNS_ENTRY = /^dns:\/\/\/(.+):(\d+)$/;

/** How often `dns:///` names are resolved again (nodes that come and go are picked up). */
const RESOLVE_INTERVAL_MS = 5000;

/** Seconds a client is asked to wait when no engine node can take its synthesis. */
export const ENGINE_RETRY_AFTER_SECONDS = 2;

/** The fleet in one line for /ready, e.g. `3 nodes, 2 ready, 5/8 slots free`. */
export interface FleetSummary {
  nodes: number;
  ready: number;
  slotsFree: number;
  slotsTotal: number;
  /** Nodes left out because their model pack differs from the fleet's. */
  mismatched: number;
  testPack: boolean;
}

/**
 * The engine nodes of ENGINE_NODES: a channel per address (a `dns:///name:port` entry stands for
 * every address the name resolves to, resolved again every 5 s), and the placement policy: a
 * synthesis goes to the ready node with the most free slots. Nodes whose pack hash differs from
 * the first ready node's never get work (the same seed must give the same audio).
 */
export class EngineFleet {
  private readonly logger = new Logger('EngineFleet');
  private readonly nodes = new Map<string, EngineNodeClient>();
  private readonly waiters = new Set<() => void>();
  private readonly warnedMismatch = new Set<string>();
  /** The last addresses of each `dns:///` entry (kept while its name does not resolve). */
  private readonly resolved = new Map<string, string[]>();
  private packHash: string | undefined;
  private resolveTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly entries: string[],
    private readonly access: EngineNodeAccess,
  ) {}

  async start(): Promise<void> {
    await this.resolve();
    this.resolveTimer = setInterval(() => void this.resolve(), RESOLVE_INTERVAL_MS);
    this.resolveTimer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.resolveTimer);
    for (const node of this.nodes.values()) node.close();
    this.nodes.clear();
    this.wake();
  }

  summary(): FleetSummary {
    const nodes = [...this.nodes.values()];
    const usable = nodes.filter((node) => this.usable(node));
    return {
      nodes: nodes.length,
      ready: usable.length,
      slotsFree: usable.reduce((sum, node) => sum + node.freeSlots, 0),
      slotsTotal: usable.reduce((sum, node) => sum + (node.status?.slotsTotal ?? 0), 0),
      mismatched: nodes.filter((node) => node.ready && !this.samePack(node)).length,
      testPack: usable.some((node) => node.status?.testPack === true),
    };
  }

  usage(): EngineNodeUsage[] {
    return [...this.nodes.values()].map((node) => node.usage());
  }

  /** Any usable node, for a feature extraction (which takes no slot). */
  anyReady(excluded: ReadonlySet<EngineNodeClient>): EngineNodeClient | undefined {
    return this.best(excluded, false);
  }

  /**
   * The ready node (not in `excluded`) with the most free slots. When every ready node is full,
   * waits up to `waitMs` for a slot; throws EngineUnavailableError when no node is ready or
   * none frees a slot in time, and the signal's reason when it aborts.
   */
  async place(
    excluded: ReadonlySet<EngineNodeClient>,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<EngineNodeClient> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      signal?.throwIfAborted();
      const node = this.best(excluded, true);
      if (node) return node;
      const candidates = [...this.nodes.values()].filter(
        (candidate) => this.usable(candidate) && !excluded.has(candidate),
      );
      const left = deadline - Date.now();
      if (candidates.length === 0 || left <= 0 || this.closed) {
        throw new EngineUnavailableError(
          candidates.length === 0
            ? 'no engine node is ready to take the synthesis; retry later'
            : 'every engine node is busy; retry later',
          ENGINE_RETRY_AFTER_SECONDS,
        );
      }
      await this.changed(Math.min(left, 250), signal);
    }
  }

  /** Placement state changed (a node answered, a synthesis ended). */
  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private changed(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private best(
    excluded: ReadonlySet<EngineNodeClient>,
    needsSlot: boolean,
  ): EngineNodeClient | undefined {
    let best: EngineNodeClient | undefined;
    for (const node of this.nodes.values()) {
      if (excluded.has(node) || !this.usable(node)) continue;
      if (needsSlot && node.freeSlots <= 0) continue;
      if (
        !best ||
        node.freeSlots > best.freeSlots ||
        (node.freeSlots === best.freeSlots && node.dispatches < best.dispatches)
      ) {
        best = node;
      }
    }
    return best;
  }

  private usable(node: EngineNodeClient): boolean {
    return node.ready && this.samePack(node);
  }

  /** The first ready node sets the fleet's pack; later nodes must have the same. */
  private samePack(node: EngineNodeClient): boolean {
    const hash = node.status?.packHash;
    if (hash === undefined) return false;
    this.packHash ??= hash;
    if (hash === this.packHash) return true;
    if (!this.warnedMismatch.has(node.address)) {
      this.warnedMismatch.add(node.address);
      this.logger.error(
        `engine node ${node.address} has another model pack (manifest sha256 ${hash}, the ` +
          `fleet's is ${this.packHash}): it gets no work until it serves the same pack`,
      );
    }
    return false;
  }

  private async resolve(): Promise<void> {
    /** Each address, with the name its TLS certificate must carry (a `dns:///` entry's name). */
    const addresses = new Map<string, string | undefined>();
    for (const entry of this.entries) {
      const serverName = DNS_ENTRY.exec(entry)?.[1];
      for (const address of await this.addressesOf(entry)) addresses.set(address, serverName);
    }
    if (this.closed) return;
    for (const [address, serverName] of addresses) {
      if (!this.nodes.has(address)) {
        this.nodes.set(
          address,
          new EngineNodeClient(address, this.access, serverName, () => this.wake()),
        );
        this.logger.log(`engine node ${address} added`);
      }
    }
    for (const [address, node] of this.nodes) {
      if (addresses.has(address) || node.inFlight > 0) continue;
      node.close();
      this.nodes.delete(address);
      this.logger.log(`engine node ${address} removed (no longer resolved)`);
    }
  }

  /** A `dns:///name:port` entry: every address of the name; anything else: itself. */
  private async addressesOf(entry: string): Promise<string[]> {
    const match = DNS_ENTRY.exec(entry);
    if (!match) return [entry];
    const [, name, port] = match;
    try {
      const found = await lookup(name, { all: true });
      const addresses = found.map(({ address, family }) =>
        family === 6 ? `[${address}]:${port}` : `${address}:${port}`,
      );
      this.resolved.set(entry, addresses);
      return addresses;
    } catch (error) {
      this.logger.warn(`engine nodes: ${name} does not resolve (${(error as Error).message})`);
      return this.resolved.get(entry) ?? [];
    }
  }
}
