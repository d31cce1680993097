import type { ServerResponse } from 'node:http';
import type { EncodedAudioChunk } from '../synthesis/synthesis-request.js';
import { toOpenAiError } from './openai-error.js';
import { ApiError } from '../common/api-error.js';

/** A synthesis whose first piece is already there (so it did not fail before audio). */
export interface StartedSpeech {
  requestId: string;
  first: Buffer;
  rest: AsyncIterator<EncodedAudioChunk>;
  signal: AbortSignal;
}

/**
 * `stream_format: "audio"`: the encoded bytes with the format's Content-Type, each piece
 * written as soon as it exists (chunked transfer), so a player can start before the end. A
 * failure after the status line cannot change it any more: the connection is then cut before
 * the last chunk, so the client sees an incomplete body rather than a short file that looks
 * complete.
 */
export async function writeAudioStream(
  response: ServerResponse,
  contentType: string,
  speech: StartedSpeech,
): Promise<void> {
  response.writeHead(200, {
    'content-type': contentType,
    'cache-control': 'no-store',
    'x-request-id': speech.requestId,
  });
  response.socket?.setNoDelay(true);
  try {
    await write(response, speech.first, speech.signal);
    for (let next = await speech.rest.next(); !next.done; next = await speech.rest.next()) {
      await write(response, next.value.audio, speech.signal);
    }
    response.end();
  } catch {
    response.destroy();
  } finally {
    await speech.rest.return?.();
  }
}

/** One server-sent event: `data: {...}` and the blank line that ends it. */
function sseFrame(event: object): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

function deltaEvent(audio: Buffer): object {
  return { type: 'speech.audio.delta', audio: audio.toString('base64') };
}

/** Token usage is not measured by this service; the counts are 0. */
const DONE_EVENT = {
  type: 'speech.audio.done',
  usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
};

/**
 * `stream_format: "sse"`: one `speech.audio.delta` event (base64 audio) per encoded piece, then
 * `speech.audio.done`. A failure after the first event becomes a last `error` event with the
 * OpenAI error object.
 */
export async function writeSpeechEvents(
  response: ServerResponse,
  speech: StartedSpeech,
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': speech.requestId,
  });
  response.socket?.setNoDelay(true);
  try {
    await write(response, sseFrame(deltaEvent(speech.first)), speech.signal);
    for (let next = await speech.rest.next(); !next.done; next = await speech.rest.next()) {
      await write(response, sseFrame(deltaEvent(next.value.audio)), speech.signal);
    }
    await write(response, sseFrame(DONE_EVENT), speech.signal);
  } catch (error) {
    if (!speech.signal.aborted && !response.destroyed) {
      const failure =
        error instanceof ApiError
          ? error
          : { status: 500, code: 'SynthesisFailed', message: 'synthesis failed: internal error' };
      response.write(sseFrame({ type: 'error', ...toOpenAiError(failure.status, failure) }));
    }
  } finally {
    await speech.rest.return?.();
    response.end();
  }
}

/** Writes and, when the client reads slowly, waits for the socket to drain (or the abort). */
async function write(
  response: ServerResponse,
  data: Buffer | string,
  signal: AbortSignal,
): Promise<void> {
  signal.throwIfAborted();
  if (data.length === 0 || response.write(data)) {
    return;
  }
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
  signal.throwIfAborted();
}
