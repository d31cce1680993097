import type { ServiceError } from '@grpc/grpc-js';
import type { Metadata } from '@grpc/grpc-js';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { PcmAudio } from '../../audio/audio.types.js';
import type { EngineConfig } from '../../config/app-config.js';
import {
  ERROR_KIND_METADATA_KEY,
  type ExtractRequest,
  type WireErrorKind,
  type WireVoiceFeatures,
} from '../grpc/engine-proto.js';
import { engineChannelCredentials } from '../grpc/engine-tls.js';
import { audioToWire, errorFromWire, voiceFromWire } from '../grpc/engine-wire.js';
import { EngineFailedError, type InferenceProvider } from '../inference.provider.js';
import type {
  InferenceStatus,
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../inference.types.js';
import { EngineFleet } from './engine-fleet.js';
import type { EngineNodeClient, EngineNodeUsage } from './engine-node.client.js';
import { NodeRefusedError, RemoteEngineCall } from './remote-engine.call.js';
import { TextReplay } from './text-replay.js';

/** Longest wait for one feature extraction on a node. */
const EXTRACT_DEADLINE_MS = 120_000;

/**
 * The InferenceProvider of an API service with ENGINE_NODES: loads no model, and runs every
 * synthesis and feature extraction on an engine node over gRPC. A synthesis goes to the ready
 * node with the most free slots (waiting up to `placementWaitMs` when all are busy); until its
 * first audio, a node that refuses or fails it is left for the next best one; after that, a node
 * failure ends it with EngineFailedError. Leaving the iteration cancels the call.
 */
export class EngineFleetInferenceProvider
  implements InferenceProvider, OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger('EngineFleet');
  readonly fleet: EngineFleet;

  constructor(
    config: EngineConfig,
    private readonly placementWaitMs: number,
  ) {
    this.fleet = new EngineFleet(config.nodes, {
      secret: config.secret,
      credentials: engineChannelCredentials(config.tls),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.fleet.start();
  }

  onApplicationShutdown(): void {
    this.fleet.close();
  }

  /** Always loaded (the service can answer); the fleet's state is in `fleet`. */
  status(): InferenceStatus {
    const summary = this.fleet.summary();
    return {
      loaded: true,
      device: 'engine nodes',
      testPack: summary.testPack,
      fleet: summary,
    };
  }

  engineNodeUsage(): EngineNodeUsage[] {
    return this.fleet.usage();
  }

  synthesize(input: SynthesisInput): AsyncIterable<SpeechChunk> {
    return this.stream(input);
  }

  async extractVoiceFeatures(audio: PcmAudio, signal?: AbortSignal): Promise<VoiceFeatures> {
    const tried = new Set<EngineNodeClient>();
    for (;;) {
      signal?.throwIfAborted();
      const node = this.fleet.anyReady(tried) ?? (await this.fleet.place(tried, 0, signal));
      tried.add(node);
      try {
        return await extractOn(node, audioToWire(audio), signal);
      } catch (error) {
        if (!(error instanceof NodeRefusedError) || signal?.aborted) throw error;
        node.failed();
        this.logger.warn(`${error.message}: the extraction moves to another node`);
      }
    }
  }

  private async *stream(input: SynthesisInput): AsyncGenerator<SpeechChunk> {
    const text =
      typeof input.text === 'string' ? undefined : new TextReplay(input.text, input.signal);
    const tried = new Set<EngineNodeClient>();
    const deadline = Date.now() + this.placementWaitMs;
    for (;;) {
      const node = await this.fleet.place(tried, Math.max(0, deadline - Date.now()), input.signal);
      const ended = node.dispatch(tried.size > 0);
      tried.add(node);
      const call = new RemoteEngineCall(node, input, text);
      try {
        let chunk: SpeechChunk | undefined;
        try {
          chunk = await untilAborted(call.next(), input.signal);
        } catch (error) {
          if (error instanceof NodeRefusedError && error.full && !input.signal?.aborted) {
            // It freed a slot later than this service saw the synthesis there end: it is full
            // until its next report, and may take this synthesis after it.
            node.refusedAsFull();
            tried.delete(node);
            continue;
          }
          if (error instanceof NodeRefusedError && !input.signal?.aborted) {
            node.failed();
            this.logger.warn(`${error.message}: the synthesis moves to another node`);
            continue;
          }
          throw error;
        }
        for (; chunk; chunk = await untilAborted(call.next(), input.signal)) yield chunk;
        return;
      } catch (error) {
        if (error instanceof EngineFailedError) node.failed();
        throw error;
      } finally {
        call.stop();
        ended();
      }
    }
  }
}

/** Settles as `promise`, or rejects with the signal's reason once it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One ExtractVoiceFeatures call; a node that cannot be used throws NodeRefusedError. */
function extractOn(
  node: EngineNodeClient,
  request: ExtractRequest,
  signal: AbortSignal | undefined,
): Promise<VoiceFeatures> {
  const extract = node.client.ExtractVoiceFeatures as (
    request: ExtractRequest,
    metadata: Metadata,
    options: { deadline: number },
    callback: (error: ServiceError | null, features?: WireVoiceFeatures) => void,
  ) => { cancel(): void };
  return new Promise((resolve, reject) => {
    const call = extract.call(
      node.client,
      request,
      node.metadata(),
      { deadline: Date.now() + EXTRACT_DEADLINE_MS },
      (error, features) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) reject(signal.reason);
        else if (!error && features) resolve(voiceFromWire(features));
        else if (error?.metadata.get(ERROR_KIND_METADATA_KEY)[0]) {
          const kind = error.metadata.get(ERROR_KIND_METADATA_KEY)[0] as WireErrorKind;
          reject(errorFromWire({ kind, message: error.details }));
        } else {
          reject(new NodeRefusedError(`engine node ${node.address}: ${error?.details}`));
        }
      },
    );
    const onAbort = (): void => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
