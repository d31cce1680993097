import { toApiError } from '../common/to-api-error.js';

/** One JSON answer (stream=false) or one SSE event (stream=true) of POST /api/v1/audio/speech. */
export interface SpeechEvent {
  output: { finish_reason: 'stop' | 'error' | null; audio: { data: string } };
  request_id: string;
  error: { code: string; message: string } | null;
}

export function audioEvent(requestId: string, audio: Buffer, finished: boolean): SpeechEvent {
  return {
    output: { finish_reason: finished ? 'stop' : null, audio: { data: audio.toString('base64') } },
    request_id: requestId,
    error: null,
  };
}

export function errorEvent(requestId: string, error: unknown): SpeechEvent {
  const { code, message } = toApiError(error);
  return {
    output: { finish_reason: 'error', audio: { data: '' } },
    request_id: requestId,
    error: { code, message },
  };
}
