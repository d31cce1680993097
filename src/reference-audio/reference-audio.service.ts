import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { AudioDecodeError } from '../audio/audio-decode.error.js';
import { decodeAudio } from '../audio/audio-decoder.js';
import type { DecodedAudio } from '../audio/audio.types.js';
import { ApiError } from '../common/api-error.js';
import type { VoiceFeatures } from '../inference/inference.types.js';
import { BLOB_STORAGE, BlobStorage } from '../storage/blob-storage.js';
import { BlobCleanupService } from './blob-cleanup.service.js';
import {
  DEFAULT_LIST_LIMIT,
  ListReferenceAudioQueryDto,
} from './dto/list-reference-audio.query.dto.js';
import { ReferenceAudioDeletedDto } from './dto/reference-audio-deleted.dto.js';
import { ReferenceAudioDto } from './dto/reference-audio.dto.js';
import type { ReferenceAudioUpload } from './reference-audio-upload.reader.js';
import { ReferenceAudioEntity } from './reference-audio.entity.js';
import { ReferenceAudioRepository } from './reference-audio.repository.js';
import { checkUploadFilename } from './upload-filename.js';
import { featuresKeyOf, VoiceFeaturesService } from './voice-features.service.js';

export const MIN_REFERENCE_SECONDS = 0.5;
export const MAX_REFERENCE_SECONDS = 30;

/** Reference voices: upload (validate, store, precompute features), list, get, delete. */
@Injectable()
export class ReferenceAudioService {
  constructor(
    private readonly rows: ReferenceAudioRepository,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly cleanup: BlobCleanupService,
    private readonly voiceFeatures: VoiceFeaturesService,
  ) {}

  /**
   * Stores a new voice. Nothing is written before the upload is known to be good; if anything
   * fails after the bytes are stored, the stored objects are removed and no row is left.
   */
  async upload(upload: ReferenceAudioUpload): Promise<ReferenceAudioDto> {
    const clientFilename = checkUploadFilename(upload.filename);
    if (upload.name !== undefined && (await this.rows.findByName(upload.name))) {
      throw nameTaken(upload.name);
    }
    const audio = await decodeReferenceAudio(upload);
    const id = randomUUID();
    const now = Date.now();
    const row: ReferenceAudioEntity = {
      id,
      filename: clientFilename ?? `${id}.${audio.format}`,
      bytes: upload.bytes.length,
      createdAt: Math.floor(now / 1000),
      createdAtMs: now,
      name: upload.name ?? null,
      text: upload.text,
      format: audio.format,
      sampleRate: audio.sampleRate,
      duration: audio.duration,
      storageKey: `${id}.${audio.format}`,
      featuresKey: null,
    };
    try {
      await this.storage.put(row.storageKey, upload.bytes);
      row.featuresKey = await this.voiceFeatures.storeForNewVoice(id, audio);
      await this.rows.insert(row);
    } catch (error) {
      this.voiceFeatures.forget(id);
      await this.cleanup.removeNow([row.storageKey, featuresKeyOf(id)]);
      throw upload.name !== undefined && isUniqueViolation(error) ? nameTaken(upload.name) : error;
    }
    return toDto(row);
  }

  async list(query: ListReferenceAudioQueryDto): Promise<ReferenceAudioDto[]> {
    const rows = await this.rows.list(query.limit ?? DEFAULT_LIST_LIMIT, query.order ?? 'desc');
    return rows.map(toDto);
  }

  async get(id: string): Promise<ReferenceAudioDto> {
    return toDto(await this.findOrThrow(id));
  }

  /** The voice with this name; 404 when no voice has it. */
  async getByName(name: string): Promise<ReferenceAudioDto> {
    const row = await this.rows.findByName(name);
    if (!row) {
      throw ApiError.notFound(`no reference audio is named ${JSON.stringify(name)}`);
    }
    return toDto(row);
  }

  /** Removes the row, then both stored objects (a failed object delete is retried later). */
  async delete(id: string): Promise<ReferenceAudioDeletedDto> {
    const row = await this.findOrThrow(id);
    const keys = [row.storageKey, featuresKeyOf(id)];
    await this.cleanup.enqueue(keys);
    if (!(await this.rows.deleteById(id))) {
      throw notFound(id);
    }
    this.voiceFeatures.forget(id);
    await this.cleanup.removeNow(keys);
    return { code: 'OK', message: `reference audio: ${id} deleted.`, data: {} };
  }

  /**
   * What synthesis needs from a voice: its prompt features (computed now and stored if the voice
   * was uploaded while no model was loaded) and its transcript. 404 for unknown ids; 503 when
   * the features must be computed and no model is loaded.
   */
  async getVoiceFeatures(id: string): Promise<{ features: VoiceFeatures; promptText: string }> {
    const row = await this.findOrThrow(id);
    return { features: await this.voiceFeatures.forVoice(row), promptText: row.text };
  }

  private async findOrThrow(id: string): Promise<ReferenceAudioEntity> {
    const row = UUID.test(id) ? await this.rows.findById(id) : null;
    if (!row) {
      throw notFound(id);
    }
    return row;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function decodeReferenceAudio(upload: ReferenceAudioUpload): Promise<DecodedAudio> {
  if (upload.bytes.length === 0) {
    throw invalidAudio('the audio file is empty');
  }
  let audio: DecodedAudio;
  try {
    audio = await decodeAudio(upload.bytes, { pcmSampleRate: upload.sampleRate });
  } catch (error) {
    if (error instanceof AudioDecodeError) {
      throw invalidAudio(error.message);
    }
    throw error;
  }
  if (audio.duration < MIN_REFERENCE_SECONDS || audio.duration > MAX_REFERENCE_SECONDS) {
    throw invalidAudio(
      `the audio is ${audio.duration.toFixed(2)} s long; reference audio must be ` +
        `${MIN_REFERENCE_SECONDS}–${MAX_REFERENCE_SECONDS} s`,
    );
  }
  return audio;
}

function invalidAudio(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'InvalidAudio', message);
}

function notFound(id: string): ApiError {
  return ApiError.notFound(`reference audio ${id} not found`);
}

function nameTaken(name: string): ApiError {
  return new ApiError(
    HttpStatus.CONFLICT,
    'Conflict',
    `name ${JSON.stringify(name)} is already taken by another reference audio`,
  );
}

/** A unique index refused the row (MySQL/MariaDB or SQLite wording). */
function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toDto(row: ReferenceAudioEntity): ReferenceAudioDto {
  return {
    id: row.id,
    filename: row.filename,
    bytes: row.bytes,
    created_at: row.createdAt,
    text: row.text,
    ...(row.name === null ? {} : { name: row.name }),
  };
}
