import type { ErrorBody } from '../common/api-error.js';

/** The error body OpenAI clients read and display: `{"error": {message, type, param, code}}`. */
export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    /** The request field at fault, in the OpenAI body's names; null when none is. */
    param: string | null;
    /** The service's error code, the same one the other transports send. */
    code: string;
  };
}

/** The service's field names (ApiError's `field`), as the OpenAI body calls them. */
const OPENAI_PARAM_BY_FIELD: Record<string, string> = {
  model: 'model',
  input: 'input',
  text: 'input',
  voice: 'voice',
  reference_audio_id: 'voice',
  instructions: 'instructions',
  instruct: 'instructions',
  response_format: 'response_format',
  output_format: 'response_format',
  speed: 'speed',
  stream_format: 'stream_format',
  seed: 'seed',
};

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The one place that frames the service's errors for OpenAI clients. */
export function toOpenAiError(
  status: number,
  body: Pick<ErrorBody, 'code' | 'message'>,
  field?: string,
): OpenAiErrorBody {
  return {
    error: {
      message: body.message,
      type: errorType(status),
      param:
        field !== undefined && Object.hasOwn(OPENAI_PARAM_BY_FIELD, field)
          ? OPENAI_PARAM_BY_FIELD[field]
          : null,
      code: body.code,
    },
  };
}
