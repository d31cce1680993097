import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { AudioDecodeError, AudioTooLongError } from '../audio/audio-decode.error.js';
import type { DecodedAudio, InputAudioFormat } from '../audio/audio.types.js';
import { isWhiteNoise, type SoundProblem } from '../audio/noise-detector.js';
import type { ReleaseSlot } from '../common/admission-queue.js';
import { ApiError } from '../common/api-error.js';
import { hasSpeakableText } from '../inference/text/speakable-text.js';
import type { VoiceFeatures } from '../inference/inference.types.js';
import { BLOB_STORAGE, BlobStorage, StorageFullError } from '../storage/blob-storage.js';
import { BlobCleanupService } from './blob-cleanup.service.js';
import {
  DEFAULT_LIST_LIMIT,
  ListReferenceAudioQueryDto,
} from './dto/list-reference-audio.query.dto.js';
import { ReferenceAudioDeletedDto } from './dto/reference-audio-deleted.dto.js';
import { ReferenceAudioDto } from './dto/reference-audio.dto.js';
import { voiceNameKey } from './dto/upload-reference-audio.dto.js';
import type { ReferenceAudioUpload } from './reference-audio-upload.reader.js';
import { ReferenceAudioEntity } from './reference-audio.entity.js';
import { ReferenceAudioRepository } from './reference-audio.repository.js';
import { checkUploadFilename, claimedFormatOf } from './upload-filename.js';
import { type AnalysedUploadAudio, UploadAudioDecoder } from './upload-audio.decoder.js';
import { type ReleaseName, UploadNameReservations } from './upload-name.reservations.js';
import { UploadLimiter } from './upload.limiter.js';
import { UploadMetrics, type UploadRefusal } from './upload.metrics.js';
import { featuresKeyOf, VoiceFeaturesService } from './voice-features.service.js';

export const MIN_REFERENCE_SECONDS = 0.5;
/**
 * The official frontend refuses prompts below 16 kHz: the speech tokenizer and the speaker model
 * work at 16 kHz, and an upsampled narrow-band prompt clones a muffled voice.
 */
export const MIN_REFERENCE_SAMPLE_RATE = 16000;
export const MAX_REFERENCE_SECONDS = 30;

/** Reference voices: upload (validate, store, precompute features), list, get, delete. */
@Injectable()
export class ReferenceAudioService {
  constructor(
    private readonly rows: ReferenceAudioRepository,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly cleanup: BlobCleanupService,
    private readonly voiceFeatures: VoiceFeaturesService,
    private readonly uploads: UploadLimiter,
    private readonly names: UploadNameReservations,
    private readonly metrics: UploadMetrics,
    private readonly decoder: UploadAudioDecoder,
  ) {}

  /**
   * Stores a new voice. The upload first takes an upload slot (UploadLimiter: 503 ServerBusy
   * beyond it, before its body is read), then its body is read (`read`), its name reserved and
   * its audio decoded off the main thread. Nothing is written before the upload is known to be
   * good; each object's key is queued for cleanup before it is written, and the row insert
   * claims them (see BlobCleanupService). If anything fails, the objects written are removed and
   * no row is left.
   */
  async upload(read: () => Promise<ReferenceAudioUpload>): Promise<ReferenceAudioDto> {
    const release = await this.admit();
    try {
      return await this.store(await read());
    } finally {
      release();
    }
  }

  /** An upload slot; when there is none, 503 ServerBusy that also closes the connection. */
  private async admit(): Promise<ReleaseSlot> {
    try {
      return await this.uploads.acquire();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.metrics.refused('server_busy');
      // The body was not read: the connection is closed rather than drained.
      throw new ApiError(error.status, error.code, error.message, {
        field: error.field,
        retryAfter: error.retryAfter,
        headers: { connection: 'close' },
      });
    }
  }

  private async store(upload: ReferenceAudioUpload): Promise<ReferenceAudioDto> {
    const clientFilename = checkUploadFilename(upload.filename);
    if (!hasSpeakableText(upload.text)) {
      throw this.refusal('blank_transcript', blankTranscript());
    }
    const releaseName = await this.reserveName(upload.name);
    try {
      return await this.storeDecoded(upload, clientFilename);
    } finally {
      releaseName();
    }
  }

  /**
   * Reserves the upload's name before anything expensive (see UploadNameReservations): 409 when
   * another upload of this process holds it or a stored voice has it.
   */
  private async reserveName(name: string | undefined): Promise<ReleaseName> {
    if (name === undefined) {
      return () => undefined;
    }
    const release = this.names.reserve(name);
    if (!release) {
      throw this.refusal('name_taken', nameTaken(name));
    }
    try {
      if (await this.rows.findByName(name)) {
        throw this.refusal('name_taken', nameTaken(name));
      }
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  private refusal(reason: UploadRefusal, error: ApiError): ApiError {
    this.metrics.refused(reason);
    return error;
  }

  private async storeDecoded(
    upload: ReferenceAudioUpload,
    clientFilename: string | undefined,
  ): Promise<ReferenceAudioDto> {
    const audio = await this.decode(upload, claimedFormatOf(clientFilename));
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
    const written: string[] = [];
    try {
      await this.cleanup.guardWrites([row.storageKey]);
      written.push(row.storageKey);
      await this.storage.put(row.storageKey, upload.bytes);
      row.featuresKey = await this.voiceFeatures.storeForNewVoice(id, audio, () =>
        written.push(featuresKeyOf(id)),
      );
      await this.rows.insertClaimingObjects(row, written);
    } catch (error) {
      this.voiceFeatures.forget(id);
      await this.cleanup.removeNow(written);
      if (error instanceof StorageFullError) throw storageFull();
      throw upload.name !== undefined && isUniqueViolation(error) ? nameTaken(upload.name) : error;
    }
    return toDto(row);
  }

  /**
   * The upload as a voice: audio the bytes really are (a name's extension must match them),
   * 0.5–30 s long (longer files are refused before they are decoded), with sound that could be
   * speech (not silence, a DC level, a square wave, nor, for raw PCM, white noise), decoded and
   * measured off the main thread.
   */
  private async decode(
    upload: ReferenceAudioUpload,
    claimedFormat: InputAudioFormat | undefined,
  ): Promise<DecodedAudio> {
    if (upload.bytes.length === 0) {
      throw invalidAudio('the audio file is empty');
    }
    let decoded: AnalysedUploadAudio;
    try {
      decoded = await this.decoder.decode(upload.bytes, {
        pcmSampleRate: upload.sampleRate,
        maxSeconds: MAX_REFERENCE_SECONDS,
        claimedFormat,
      });
    } catch (error) {
      if (error instanceof AudioTooLongError) {
        throw outOfRange(`${error.atLeast ? 'over ' : ''}${error.durationSeconds.toFixed(2)}`);
      }
      if (error instanceof AudioDecodeError) {
        throw invalidAudio(error.message);
      }
      throw error;
    }
    const { audio, sound, noise } = decoded;
    checkReferenceLength(audio);
    if (sound) {
      throw this.refusal(sound.kind, notSpeech(sound));
    }
    if (noise && isWhiteNoise(noise)) {
      throw this.refusal(
        'white_noise',
        invalidAudio(
          'the raw PCM is white noise, not speech (spectral flatness ' +
            `${noise.spectralFlatness.toFixed(2)}, neighbouring-sample correlation ` +
            `${noise.lag1Correlation.toFixed(2)}): random bytes, or not 16-bit ` +
            'little-endian mono PCM',
        ),
      );
    }
    return audio;
  }

  async list(query: ListReferenceAudioQueryDto): Promise<ReferenceAudioDto[]> {
    const rows = await this.rows.list(query.limit ?? DEFAULT_LIST_LIMIT, query.order ?? 'desc');
    return rows.map(toDto);
  }

  async get(id: string): Promise<ReferenceAudioDto> {
    return toDto(await this.findOrThrow(id));
  }

  /** The uploaded bytes as stored, with their media type (raw PCM as `audio/L16` with its rate). */
  async audioFile(id: string): Promise<{ bytes: Buffer; contentType: string }> {
    const row = await this.findOrThrow(id);
    const bytes = await this.storage.get(row.storageKey);
    return { bytes, contentType: mediaTypeOf(row) };
  }

  /** The voice with this name, in any case; 404 when no voice has it. */
  async getByName(name: string): Promise<ReferenceAudioDto> {
    const row = await this.rows.findByName(voiceNameKey(name));
    if (!row) {
      throw ApiError.notFound(`no reference audio is named ${JSON.stringify(name)}`);
    }
    return toDto(row);
  }

  /** Removes the row, then both stored objects (a failed object delete is retried later). */
  async delete(id: string): Promise<ReferenceAudioDeletedDto> {
    const row = await this.findOrThrow(id);
    const keys = [row.storageKey, featuresKeyOf(row.id)];
    await this.cleanup.enqueue(keys);
    if (!(await this.rows.deleteById(row.id))) {
      throw notFound(id);
    }
    this.voiceFeatures.forget(row.id);
    await this.cleanup.removeNow(keys);
    return { code: 'OK', message: `reference audio: ${row.id} deleted.`, data: {} };
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

  /** Ids are stored in lower case; an upper-case spelling finds the same voice on any database. */
  private async findOrThrow(id: string): Promise<ReferenceAudioEntity> {
    const row = UUID.test(id) ? await this.rows.findById(id.toLowerCase()) : null;
    if (!row) {
      throw notFound(id);
    }
    return row;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses reference audio below 16 kHz, or shorter or longer than 0.5–30 s. */
function checkReferenceLength(audio: DecodedAudio): void {
  if (audio.sampleRate < MIN_REFERENCE_SAMPLE_RATE) {
    throw invalidAudio(
      `the audio is sampled at ${audio.sampleRate} Hz; reference audio needs at least ` +
        `${MIN_REFERENCE_SAMPLE_RATE} Hz (a band-limited prompt clones a muffled voice): ` +
        'record or export it at 16 kHz or more',
    );
  }
  if (audio.duration < MIN_REFERENCE_SECONDS || audio.duration > MAX_REFERENCE_SECONDS) {
    throw outOfRange(audio.duration.toFixed(2));
  }
}

/** 400 InvalidAudio for audio that decodes but is plainly not speech. */
function notSpeech(sound: SoundProblem): ApiError {
  return invalidAudio(
    `the audio is ${soundDescription(sound)}, not speech: a reference voice must be a ` +
      'recording of someone speaking the transcript',
  );
}

function soundDescription(sound: SoundProblem): string {
  switch (sound.kind) {
    case 'silent':
      return `silent (its level is ${decibels(sound.rms)} dBFS)`;
    case 'dc':
      return `a constant level (DC ${sound.level.toFixed(3)}) with no sound`;
    case 'square_wave':
      return (
        `a square wave (${Math.round(sound.extremeShare * 100)} % of the samples sit at its ` +
        'two extreme levels)'
      );
  }
}

function decibels(rms: number): string {
  return rms > 0 ? (20 * Math.log10(rms)).toFixed(0) : '-inf';
}

function blankTranscript(): ApiError {
  return ApiError.invalidParameter(
    'text holds nothing to speak: the transcript must say what is spoken in the audio ' +
      '(letters or digits, not only spaces, punctuation or invisible characters)',
  );
}

function outOfRange(seconds: string): ApiError {
  return invalidAudio(
    `the audio is ${seconds} s long; reference audio must be ` +
      `${MIN_REFERENCE_SECONDS}–${MAX_REFERENCE_SECONDS} s`,
  );
}

function invalidAudio(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'InvalidAudio', message);
}

function storageFull(): ApiError {
  return new ApiError(
    HttpStatus.INSUFFICIENT_STORAGE,
    'InsufficientStorage',
    'the voice storage is full; nothing was stored (free space, then upload again)',
  );
}

function notFound(id: string): ApiError {
  return ApiError.notFound(`reference audio ${id} not found`);
}

function mediaTypeOf(row: ReferenceAudioEntity): string {
  switch (row.format) {
    case 'wav':
      return 'audio/wav';
    case 'mp3':
      return 'audio/mpeg';
    case 'pcm':
      return `audio/L16; rate=${row.sampleRate}; channels=1`;
    case 'flac':
      return 'audio/flac';
    case 'opus':
      return 'audio/ogg; codecs=opus';
    case 'vorbis':
      return 'audio/ogg; codecs=vorbis';
    case 'webm':
      return 'audio/webm; codecs=opus';
  }
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
    duration: row.duration,
    ...(row.name === null ? {} : { name: row.name }),
  };
}
