import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import type { PcmAudio } from '../../audio/audio.types.js';
import type { InferenceConfig } from '../../config/app-config.js';
import { ExecutionDeviceUnavailableError } from '../execution-device-unavailable.error.js';
import { ModelNotLoadedError, type InferenceProvider } from '../inference.provider.js';
import type {
  InferenceStatus,
  SpeechChunk,
  SynthesisInput,
  VoiceFeatures,
} from '../inference.types.js';
import { loadModelPack } from '../model-pack/model-pack.loader.js';
import { GRAPH_ROLES } from '../model-pack/model-pack.manifest.js';
import type { LoadedModelPack } from '../model-pack/model-pack.types.js';
import { buildEngineRuntime, type EngineRuntime } from './runtime/engine-runtime.js';
import { describeDevice } from './runtime/execution-device.js';
import { refuseInt8GraphsOn } from './runtime/int8-graphs.check.js';
import { randomOperatorsIn } from './runtime/random-op.scan.js';
import { compilesShadersOnFirstRun, warmUpShaders } from './runtime/shader-warm-up.js';
import { SessionTimer } from './runtime/session-timer.js';

/**
 * The CosyVoice2-0.5B engine on onnxruntime-node. It loads the model pack once (at module init);
 * a missing or broken pack leaves it unloaded with the loader's message (status, and a
 * ModelNotLoadedError from every call) instead of stopping the service. A GPU device (CUDA,
 * WebGPU) that cannot be used fails the load loudly.
 */
export class CosyVoice2Engine implements InferenceProvider, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CosyVoice2Engine');
  private runtime: EngineRuntime | undefined;
  private loadError = 'the CosyVoice2 model pack has not been loaded yet';

  constructor(private readonly config: InferenceConfig) {}

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  /** Last step of a shutdown, after the in-flight syntheses have ended (see lifecycle/). */
  async onApplicationShutdown(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = undefined;
    this.loadError = 'the engine has been shut down';
    await runtime?.release();
  }

  /**
   * Loads the pack of `config.modelDir` and, on a device that compiles shaders per shape, warms
   * them up (the engine is loaded only after that); throws only when a requested GPU device is
   * unusable.
   */
  async load(): Promise<void> {
    try {
      const pack = await loadModelPack(this.config);
      const runtime = await refuseInt8GraphsOn(this.config.device, pack)
        .then(() => buildEngineRuntime(pack, this.config))
        .catch(async (error: unknown) => {
          await pack.release();
          throw error;
        });
      if (compilesShadersOnFirstRun(this.config.device)) {
        const seconds = await warmUpShaders(runtime).catch(async (error: unknown) => {
          await runtime.release();
          throw error;
        });
        this.logger.log(
          `${this.config.device} shaders warmed up in ${seconds.toFixed(1)} s (one short synthesis)`,
        );
      }
      this.runtime = runtime;
      this.logger.log(
        `CosyVoice2 engine ready on ${describeDevice(this.config)} (${pack.dims.numLayers} LLM layers, hidden ${pack.dims.hiddenSize})`,
      );
      if (pack.manifest.testPack) {
        this.logger.warn(
          `${pack.dir} is a test pack (cosyvoice2-pack.json "testPack": true): synthesis works, ` +
            `but its audio is not speech. For real speech: npm run models:download, then npm run models:check`,
        );
      }
      await this.warnAboutRandomGraphs(pack).catch((error: unknown) => {
        this.logger.warn(`could not scan the graphs for random operators: ${String(error)}`);
      });
    } catch (error) {
      if (error instanceof ExecutionDeviceUnavailableError) {
        throw error;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.loadError = message;
      this.logger.error(`CosyVoice2 model pack not loaded: ${message}`);
    }
  }

  /** A seed reproduces synthesis bit for bit only if no graph draws random numbers itself. */
  private async warnAboutRandomGraphs(pack: LoadedModelPack): Promise<void> {
    for (const role of GRAPH_ROLES) {
      const file = pack.manifest.roles[role].file;
      const operators = await randomOperatorsIn(join(pack.dir, file));
      if (operators.length > 0) {
        this.logger.warn(
          `${file} draws random numbers inside the graph (${operators.join(', ')}): ` +
            'a seed then fixes the speech tokens and the mel, but not every output sample',
        );
      }
    }
  }

  status(): InferenceStatus {
    if (this.runtime) {
      const { device, manifest } = this.runtime.pack;
      return { loaded: true, device, testPack: manifest.testPack === true };
    }
    return { loaded: false, error: this.loadError, testPack: false };
  }

  async extractVoiceFeatures(audio: PcmAudio, signal?: AbortSignal): Promise<VoiceFeatures> {
    const runtime = this.requireRuntime();
    return runtime.voiceFeatures.extract(audio, new SessionTimer(), signal);
  }

  synthesize(input: SynthesisInput): AsyncIterable<SpeechChunk> {
    return this.requireRuntime().synthesizer.synthesize(input);
  }

  private requireRuntime(): EngineRuntime {
    if (!this.runtime) throw new ModelNotLoadedError(this.loadError);
    return this.runtime;
  }
}
