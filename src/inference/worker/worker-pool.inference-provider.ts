import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { PcmAudio } from '../../audio/audio.types.js';
import type { InferenceConfig } from '../../config/app-config.js';
import type { InferenceProvider } from '../inference.provider.js';
import type {
  InferenceStatus,
  InferenceWorkerUsage,
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../inference.types.js';
import { InferenceWorkerPool } from './inference-worker.pool.js';

/**
 * The InferenceProvider of the service: forwards every synthesis and feature extraction to a
 * pool of worker threads that run the CosyVoice2 engine, so no model session runs on the main
 * thread. Loads the workers at module init and ends them last at shutdown (after the drain).
 */
export class WorkerPoolInferenceProvider
  implements InferenceProvider, OnModuleInit, OnApplicationShutdown
{
  readonly pool: InferenceWorkerPool;

  constructor(config: InferenceConfig) {
    this.pool = new InferenceWorkerPool(config, config.workers ?? 1);
  }

  async onModuleInit(): Promise<void> {
    await this.pool.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  status(): InferenceStatus {
    return this.pool.status();
  }

  workerUsage(): InferenceWorkerUsage[] {
    return this.pool.usage();
  }

  async extractVoiceFeatures(audio: PcmAudio, signal?: AbortSignal): Promise<VoiceFeatures> {
    return this.pool.extractVoiceFeatures(audio, signal);
  }

  /** Throws ModelNotLoadedError at once when no worker is loaded. */
  synthesize(input: SynthesisInput): AsyncIterable<SpeechChunk> {
    this.pool.requireLoaded();
    return this.stream(input);
  }

  /** The chunks of one synthesis; leaving early waits until the worker has stopped the run. */
  private async *stream(input: SynthesisInput): AsyncGenerator<SpeechChunk> {
    const synthesis = this.pool.synthesize(input);
    try {
      for (let chunk = await synthesis.next(); chunk; chunk = await synthesis.next()) {
        yield chunk;
      }
    } finally {
      await synthesis.stop();
    }
  }
}
