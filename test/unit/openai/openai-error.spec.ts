import { describe, expect, it } from 'vitest';
import { toOpenAiError } from '../../../src/openai/openai-error.js';

describe('toOpenAiError', () => {
  it("names the OpenAI field of the error's field, by the OpenAI body's names", () => {
    const param = (field: string | undefined) =>
      toOpenAiError(400, { code: 'InvalidParameter', message: 'x' }, field).error.param;
    expect(param('speed')).toBe('speed');
    expect(param('text')).toBe('input');
    expect(param('instruct')).toBe('instructions');
    expect(param('reference_audio_id')).toBe('voice');
    expect(param('output_format')).toBe('response_format');
  });

  it('reads no field out of the message: no field, or one OpenAI has not, gives null', () => {
    const body = { code: 'InvalidParameter', message: 'speed must be a number from 0.25 to 4' };
    expect(toOpenAiError(400, body).error.param).toBeNull();
    expect(toOpenAiError(400, body, 'sample_rate').error.param).toBeNull();
    expect(toOpenAiError(400, body, 'constructor').error.param).toBeNull();
  });

  it('types the error by status', () => {
    const type = (status: number) => toOpenAiError(status, { code: 'X', message: 'x' }).error.type;
    expect([type(400), type(401), type(429), type(503)]).toEqual([
      'invalid_request_error',
      'authentication_error',
      'rate_limit_error',
      'server_error',
    ]);
  });
});
