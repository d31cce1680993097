import type { TestApp } from './test-app.js';

export const REFERENCE_AUDIO_PATH = '/api/v1/audio/reference_audio';

/** `Authorization: Bearer <the app's token>` */
export function authHeaders(app: Pick<TestApp, 'token'>): Record<string, string> {
  return { authorization: `Bearer ${app.token}` };
}

export interface UploadOptions {
  bytes?: Buffer;
  /** File name of the `file` part (default `voice.wav`, `voice.mp3` or `voice.pcm` by the bytes). */
  filename?: string;
  /** `text` field; omit with `null`. */
  text?: string | null;
  sampleRate?: number;
  /** `name` field (the voice's name); omitted when undefined. */
  name?: string;
}

/** POSTs a multipart upload with the real fetch + FormData, as a browser or SDK would. */
export function uploadReferenceAudio(
  app: Pick<TestApp, 'baseUrl' | 'token'>,
  options: UploadOptions,
): Promise<Response> {
  const form = new FormData();
  if (options.bytes) {
    const filename = options.filename ?? defaultFilename(options.bytes);
    form.append('file', new Blob([new Uint8Array(options.bytes)]), filename);
  }
  if (options.text !== null) {
    form.append('text', options.text ?? '希望你以后能够做得比我还好哟');
  }
  if (options.sampleRate !== undefined) {
    form.append('sample_rate', String(options.sampleRate));
  }
  if (options.name !== undefined) {
    form.append('name', options.name);
  }
  return fetch(`${app.baseUrl}${REFERENCE_AUDIO_PATH}`, {
    method: 'POST',
    headers: authHeaders(app),
    body: form,
  });
}

/** A name that matches the bytes, as a client's file would have. */
function defaultFilename(bytes: Buffer): string {
  const head = bytes.subarray(0, 4).toString('latin1');
  if (head === 'RIFF') return 'voice.wav';
  if (head.startsWith('ID3') || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)) {
    return 'voice.mp3';
  }
  return 'voice.pcm';
}

/** Uploads a voice and returns its id; fails the test when the upload is refused. */
export async function createReferenceAudio(
  app: Pick<TestApp, 'baseUrl' | 'token'>,
  options: UploadOptions,
): Promise<string> {
  const response = await uploadReferenceAudio(app, options);
  const body = (await response.json()) as { id?: string; message?: string };
  if (response.status !== 200 || !body.id) {
    throw new Error(`upload failed with ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.id;
}
