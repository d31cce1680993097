import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { PcmAudio } from '../audio/audio.types.js';
import { ApiError } from '../common/api-error.js';
import {
  EngineFailedError,
  INFERENCE_PROVIDER,
  InferenceProvider,
  InputRejectedError,
  ModelNotLoadedError,
} from '../inference/inference.provider.js';
import type { VoiceFeatures } from '../inference/inference.types.js';
import { decodeVoiceFeatures, encodeVoiceFeatures } from '../inference/voice-features.codec.js';
import { UploadAudioDecoder } from './upload-audio.decoder.js';
import { BLOB_STORAGE, BlobNotFoundError, BlobStorage } from '../storage/blob-storage.js';
import { BlobCleanupService } from './blob-cleanup.service.js';
import { ReferenceAudioEntity } from './reference-audio.entity.js';
import { ReferenceAudioRepository } from './reference-audio.repository.js';

const CACHED_VOICES = 32;

/** Storage key of a voice's encoded features. */
export function featuresKeyOf(id: string): string {
  return `${id}.features`;
}

/**
 * The per-voice prompt features (speaker embedding, prompt tokens, prompt mel): computed by the
 * inference provider, stored beside the audio as `<id>.features`, and kept in a small in-memory
 * cache so synthesis does not reload them for every request.
 */
@Injectable()
export class VoiceFeaturesService {
  private readonly logger = new Logger(VoiceFeaturesService.name);
  private readonly cache = new Map<string, VoiceFeatures>();
  private readonly inFlight = new Map<string, Promise<VoiceFeatures>>();

  constructor(
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly rows: ReferenceAudioRepository,
    private readonly cleanup: BlobCleanupService,
    @Inject(INFERENCE_PROVIDER) private readonly inference: InferenceProvider,
    private readonly decoder: UploadAudioDecoder,
  ) {}

  /**
   * At upload: computes and stores the features of a new voice and returns their storage key,
   * or null when no model is loaded (they are then computed on first use). The key is queued
   * for cleanup before the write (`onGuarded` is then called); the caller's row insert claims it.
   */
  async storeForNewVoice(
    id: string,
    audio: PcmAudio,
    onGuarded: () => void,
  ): Promise<string | null> {
    if (!this.inference.status().loaded) {
      return null;
    }
    let features: VoiceFeatures;
    try {
      features = await this.inference.extractVoiceFeatures(audio);
    } catch (error) {
      if (error instanceof ModelNotLoadedError) {
        return null;
      }
      if (error instanceof InputRejectedError) {
        throw new ApiError(HttpStatus.BAD_REQUEST, 'InvalidAudio', error.message);
      }
      if (error instanceof EngineFailedError) {
        throw ApiError.engineFailed(error.message);
      }
      throw error;
    }
    const key = featuresKeyOf(id);
    await this.cleanup.guardWrites([key]);
    onGuarded();
    await this.storage.put(key, encodeVoiceFeatures(features));
    this.remember(id, features);
    return key;
  }

  /** The features of a stored voice: cached, stored, or computed now and stored. */
  forVoice(row: ReferenceAudioEntity): Promise<VoiceFeatures> {
    const cached = this.cache.get(row.id);
    if (cached) {
      return Promise.resolve(cached);
    }
    let pending = this.inFlight.get(row.id);
    if (!pending) {
      pending = this.loadOrCompute(row).finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, pending);
    }
    return pending;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  private async loadOrCompute(row: ReferenceAudioEntity): Promise<VoiceFeatures> {
    const stored = row.featuresKey ? await this.loadStored(row.featuresKey) : undefined;
    const features = stored ?? (await this.computeAndStore(row));
    this.remember(row.id, features);
    return features;
  }

  /** Undefined when the object is gone or unreadable: the caller recomputes it. */
  private async loadStored(key: string): Promise<VoiceFeatures | undefined> {
    let bytes: Buffer;
    try {
      bytes = await this.storage.get(key);
    } catch (error) {
      if (error instanceof BlobNotFoundError) {
        return undefined;
      }
      throw error;
    }
    try {
      return decodeVoiceFeatures(bytes);
    } catch (error) {
      this.logger.warn(`stored voice features ${key} are unreadable, recomputing: ${error}`);
      return undefined;
    }
  }

  private async computeAndStore(row: ReferenceAudioEntity): Promise<VoiceFeatures> {
    const status = this.inference.status();
    if (!status.loaded) {
      throw ApiError.modelNotLoaded(status.error);
    }
    const { audio } = await this.decoder.decode(await this.storage.get(row.storageKey), {
      pcmSampleRate: row.sampleRate,
    });
    let features: VoiceFeatures;
    try {
      features = await this.inference.extractVoiceFeatures(audio);
    } catch (error) {
      if (error instanceof ModelNotLoadedError) {
        throw ApiError.modelNotLoaded(error.message);
      }
      if (error instanceof EngineFailedError) {
        throw ApiError.engineFailed(error.message);
      }
      throw error;
    }
    const key = featuresKeyOf(row.id);
    await this.cleanup.guardWrites([key]);
    await this.storage.put(key, encodeVoiceFeatures(features));
    if (!(await this.rows.setFeaturesKeyClaimingObject(row.id, key))) {
      // The voice was deleted while its features were computed.
      await this.cleanup.removeNow([key]);
      throw ApiError.notFound(`reference audio ${row.id} not found`);
    }
    return features;
  }

  private remember(id: string, features: VoiceFeatures): void {
    this.cache.delete(id);
    this.cache.set(id, features);
    if (this.cache.size > CACHED_VOICES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) {
        this.cache.delete(oldest);
      }
    }
  }
}
