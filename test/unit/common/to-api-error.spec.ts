import { BadRequestException, HttpException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import { isUnexpected, toApiError } from '../../../src/common/to-api-error.js';
import {
  EngineFailedError,
  InputRejectedError,
  ModelNotLoadedError,
} from '../../../src/inference/inference.provider.js';
import { StorageUnavailableError } from '../../../src/storage/blob-storage.js';

const view = (error: unknown) => {
  const { status, code, message, headers } = toApiError(error);
  return { status, code, message, headers };
};

describe('toApiError', () => {
  it('keeps an ApiError as it is', () => {
    const error = ApiError.notFound('reference audio x not found');
    expect(toApiError(error)).toBe(error);
    expect(isUnexpected(error)).toBe(false);
  });

  it('maps the engine errors to ModelNotLoaded (with Retry-After) and InvalidParameter', () => {
    expect(view(new ModelNotLoadedError('missing llm.onnx'))).toEqual({
      status: 503,
      code: 'ModelNotLoaded',
      message: 'the CosyVoice2 model is not loaded: missing llm.onnx',
      headers: { 'Retry-After': '30' },
    });
    expect(view(new InputRejectedError('instruct has 1201 tokens'))).toEqual({
      status: 400,
      code: 'InvalidParameter',
      message: 'instruct has 1201 tokens',
      headers: {},
    });
  });

  it("keeps the field of the engine's refusal and maps a dead worker to EngineFailed", () => {
    expect(
      toApiError(new InputRejectedError('instruct has 1201 tokens', 'instruct')),
    ).toMatchObject({ status: 400, code: 'InvalidParameter', field: 'instruct' });
    expect(view(new EngineFailedError('the inference worker died'))).toEqual({
      status: 500,
      code: 'EngineFailed',
      message: 'the inference worker died',
      headers: {},
    });
  });

  it('maps a storage that cannot be used to 503 StorageUnavailable with retryAfter', () => {
    const error = toApiError(new StorageUnavailableError('voices/x.wav'));
    expect(error).toMatchObject({ status: 503, code: 'StorageUnavailable', retryAfter: 5 });
    expect(error.message).toBe(
      'the audio storage is unavailable or does not answer; nothing was changed, retry later',
    );
    expect(error.headers).toEqual({ 'Retry-After': '5' });
  });

  it('sends retryAfter as Retry-After beside the other headers it asks for', () => {
    const error = new ApiError(503, 'ServiceUnavailable', 'draining', {
      retryAfter: 7,
      headers: { Connection: 'close' },
    });
    expect(error.headers).toEqual({ Connection: 'close', 'Retry-After': '7' });
  });

  it('maps HTTP exceptions and Fastify 4xx errors by status, joining validation messages', () => {
    expect(view(new BadRequestException(['speed must be a number', 'text is required']))).toEqual({
      status: 400,
      code: 'InvalidParameter',
      message: 'speed must be a number; text is required',
      headers: {},
    });
    const fastify = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 });
    expect(view(fastify)).toMatchObject({ status: 415, code: 'UnsupportedMediaType' });
    expect(view(new HttpException('gone', 410))).toMatchObject({ code: 'InvalidParameter' });
  });

  it('hides anything else behind 500 InternalError and marks it unexpected', () => {
    const error = new TypeError('Cannot read properties of undefined (reading "ids")');
    expect(view(error)).toEqual({
      status: 500,
      code: 'InternalError',
      message: 'internal server error',
      headers: {},
    });
    expect(isUnexpected(error)).toBe(true);
    expect(isUnexpected('a string')).toBe(true);
  });
});
