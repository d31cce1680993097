import { HttpStatus } from '@nestjs/common';
import type { MultipartFile } from '@fastify/multipart';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { UploadReferenceAudioFieldsDto } from './dto/upload-reference-audio.dto.js';

/** One upload as read from the multipart request: the file's bytes and the validated fields. */
export interface ReferenceAudioUpload {
  /** As sent by the client (checked later); undefined when the part had no file name. */
  filename: string | undefined;
  bytes: Buffer;
  text: string;
  sampleRate?: number;
  name?: string;
}

/**
 * Reads `file`, `text`, `sample_rate` and `name` from a multipart request. The file is streamed into
 * memory up to `maxBytes`; one byte more and the read stops with 413 (the connection is then
 * closed, so the rest of an oversized body is never read).
 */
export async function readReferenceAudioUpload(
  request: FastifyRequest,
  maxBytes: number,
): Promise<ReferenceAudioUpload> {
  if (!request.isMultipart()) {
    throw new ApiError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'UnsupportedMediaType',
      'the upload must be multipart/form-data with a file part "file" and a field "text"',
    );
  }
  const fields = new Map<string, string>();
  let file: { filename: string | undefined; bytes: Buffer } | undefined;
  try {
    for await (const part of request.parts({ preservePath: true })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          part.file.destroy();
          throw ApiError.invalidParameter(
            `unexpected file part "${part.fieldname}"; send exactly one file part named "file"`,
          );
        }
        file = { filename: part.filename || undefined, bytes: await readLimited(part, maxBytes) };
      } else {
        if (part.valueTruncated) {
          throw ApiError.invalidParameter(`form field "${part.fieldname}" is too long`);
        }
        if (fields.has(part.fieldname)) {
          throw ApiError.invalidParameter(`form field "${part.fieldname}" is given more than once`);
        }
        fields.set(part.fieldname, String(part.value));
      }
    }
  } catch (error) {
    throw closingConnection(error);
  }
  if (!file) {
    throw ApiError.invalidParameter('file is required: send the audio as a file part named "file"');
  }
  const valid = await validFields(fields);
  return { ...file, text: valid.text, sampleRate: valid.sample_rate, name: valid.name };
}

/**
 * An error met while the body is still being read, as the client's answer with
 * `Connection: close`: the unread rest of the body is then never taken for the next request on
 * that connection. Errors of the multipart parser (no or wrong boundary, truncated body) are the
 * client's: 400, or 413 for a limit.
 */
function closingConnection(error: unknown): ApiError {
  const close = { connection: 'close' };
  if (error instanceof ApiError) {
    return new ApiError(error.status, error.code, error.message, {
      field: error.field,
      retryAfter: error.retryAfter,
      headers: { ...error.headers, ...close },
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const statusCode = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (statusCode === HttpStatus.PAYLOAD_TOO_LARGE) {
    return new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, 'PayloadTooLarge', message, {
      headers: close,
    });
  }
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    'InvalidParameter',
    `the multipart/form-data body is malformed: ${message}`,
    { headers: close },
  );
}

async function readLimited(part: MultipartFile, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of part.file) {
    chunks.push(chunk as Buffer);
    if (part.file.truncated) {
      break;
    }
  }
  if (part.file.truncated) {
    part.file.destroy();
    throw new ApiError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'PayloadTooLarge',
      `the file is larger than the upload limit of ${maxBytes} bytes (MAX_UPLOAD_BYTES)`,
      { headers: { connection: 'close' } },
    );
  }
  return Buffer.concat(chunks);
}

async function validFields(fields: Map<string, string>): Promise<UploadReferenceAudioFieldsDto> {
  const dto = plainToInstance(UploadReferenceAudioFieldsDto, Object.fromEntries(fields));
  const errors = await validate(dto, { whitelist: true, stopAtFirstError: true });
  if (errors.length > 0) {
    const messages = errors.flatMap((error) => Object.values(error.constraints ?? {}));
    throw ApiError.invalidParameter(messages.join('; '));
  }
  return dto;
}
