/** The service's REST API as the page uses it, with the user's bearer token. */

export interface Voice {
  id: string;
  filename: string;
  bytes: number;
  created_at: number;
  text: string;
  /** Seconds (added by this service). */
  duration?: number;
  /** Optional human-readable name, when the service gives voices one. */
  name?: string;
}

export interface ModelCheck {
  status: 'ok' | 'error';
  error?: string;
  device?: string;
  /** True when the loaded pack is a test pack whose audio is not speech. */
  test_pack?: boolean;
}

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: { model?: ModelCheck } & Record<string, { status: string; error?: string } | undefined>;
}

/** Output options of a synthesis, as the API names them. */
export interface SpeechParameters {
  mode: string;
  reference_audio_id: string;
  instruct?: string;
  speed: number;
  volume: number;
  output_format: 'wav' | 'mp3' | 'pcm' | 'opus' | 'flac';
  sample_rate: number;
  seed?: number;
}

/** An error answer of the API (`{code, message}`), or a network failure (`NetworkError`). */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const REFERENCE_AUDIO_PATH = '/api/v1/audio/reference_audio';
export const SPEECH_PATH = '/api/v1/audio/speech';
export const SPEECH_TASK_PATH = '/api-ws/v1/audio/speech';

export class ApiClient {
  constructor(private readonly token: () => string) {}

  async readiness(): Promise<Readiness> {
    const response = await this.send('/ready', {}, false);
    return (await response.json()) as Readiness;
  }

  async listVoices(): Promise<Voice[]> {
    const response = await this.send(`${REFERENCE_AUDIO_PATH}?limit=1000&order=desc`);
    return (await response.json()) as Voice[];
  }

  /** `name`: the voice's optional name (the OpenAI `voice`); not sent when empty. */
  async uploadVoice(
    file: Blob,
    filename: string,
    transcript: string,
    name?: string,
  ): Promise<Voice> {
    const form = new FormData();
    form.append('text', transcript);
    if (name) form.append('name', name);
    form.append('file', file, filename);
    const response = await this.send(REFERENCE_AUDIO_PATH, { method: 'POST', body: form });
    return (await response.json()) as Voice;
  }

  async deleteVoice(id: string): Promise<void> {
    await this.send(`${REFERENCE_AUDIO_PATH}/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /** The voice's audio as uploaded, and its media type. */
  async voiceAudio(id: string): Promise<{ bytes: ArrayBuffer; contentType: string }> {
    const response = await this.send(`${REFERENCE_AUDIO_PATH}/${encodeURIComponent(id)}/audio`);
    return {
      bytes: await response.arrayBuffer(),
      contentType: response.headers.get('content-type') ?? '',
    };
  }

  /** One whole file (`stream: false`): the decoded bytes of the base64 answer. */
  async synthesizeWhole(
    text: string,
    parameters: SpeechParameters,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    const { mode, reference_audio_id, instruct, ...options } = parameters;
    const body = {
      model: 'CosyVoice2-0.5B',
      stream: false,
      input: { mode, text, reference_audio_id, ...(instruct ? { instruct } : {}), ...options },
    };
    const response = await this.send(SPEECH_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    const answer = (await response.json()) as {
      output?: { audio?: { data?: string } };
      error?: { code: string; message: string } | null;
    };
    if (answer.error) {
      throw new ApiFailure(answer.error.code, answer.error.message, response.status);
    }
    return base64ToBytes(answer.output?.audio?.data ?? '');
  }

  /** The WebSocket URL of the duplex tasks, with the token as `?token=` (browsers send no header). */
  speechTaskUrl(): string {
    const url = new URL(SPEECH_TASK_PATH, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = this.token();
    if (token) {
      url.searchParams.set('token', token);
    }
    return url.toString();
  }

  private async send(path: string, init: RequestInit = {}, failOnError = true): Promise<Response> {
    const headers = new Headers(init.headers);
    const token = this.token();
    if (token) {
      headers.set('authorization', `Bearer ${token}`);
    }
    let response: Response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) {
        throw error;
      }
      throw new ApiFailure('NetworkError', (error as Error).message, 0);
    }
    if (failOnError && !response.ok) {
      throw await failureOf(response);
    }
    return response;
  }
}

async function failureOf(response: Response): Promise<ApiFailure> {
  const fallback = `HTTP ${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { code?: unknown; message?: unknown };
    const code = typeof body.code === 'string' ? body.code : `HTTP${response.status}`;
    const message = typeof body.message === 'string' ? body.message : fallback;
    const retryAfter = response.headers.get('retry-after');
    return new ApiFailure(
      code,
      retryAfter ? `${message} (Retry-After: ${retryAfter} s)` : message,
      response.status,
    );
  } catch {
    return new ApiFailure(`HTTP${response.status}`, fallback, response.status);
  }
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}
