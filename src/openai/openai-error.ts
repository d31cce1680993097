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

/**
 * The service's field names that begin its messages (`speed must be …`), as the OpenAI body
 * calls them.
 */
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

/** The OpenAI request field a message is about: its first word, when that names one. */
function paramOf(code: string, message: string): string | null {
  if (code === 'NotFound' && message.startsWith('voice')) return 'voice';
  if (message.startsWith('the text has')) return 'input';
  const field = /^[a-z_]+/.exec(message)?.[0];
  return (field && OPENAI_PARAM_BY_FIELD[field]) ?? null;
}

/** The one place that frames the service's errors for OpenAI clients. */
export function toOpenAiError(
  status: number,
  body: Pick<ErrorBody, 'code' | 'message'>,
): OpenAiErrorBody {
  return {
    error: {
      message: body.message,
      type: errorType(status),
      param: paramOf(body.code, body.message),
      code: body.code,
    },
  };
}
