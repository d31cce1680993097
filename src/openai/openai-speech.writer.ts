import type { ServerResponse } from 'node:http';
import { toApiError } from '../common/to-api-error.js';
import { type StartedStream, writeDrained } from '../http-streaming/synthesis-reply.js';
import { toOpenAiError } from './openai-error.js';
import { StalledClientError } from '../http-streaming/stalled-client.error.js';

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
  speech: StartedStream,
): Promise<void> {
  response.writeHead(200, {
    'content-type': contentType,
    'cache-control': 'no-store',
    'x-request-id': speech.requestId,
  });
  response.socket?.setNoDelay(true);
  const write = (data: Buffer) =>
    writeDrained(response, data, speech.signal, speech.stallTimeoutMs);
  try {
    await write(speech.first);
    for (let next = await speech.rest.next(); !next.done; next = await speech.rest.next()) {
      await write(next.value.audio);
    }
    response.end();
  } catch {
    response.destroy();
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
  speech: StartedStream,
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': speech.requestId,
  });
  response.socket?.setNoDelay(true);
  const send = (event: object) =>
    writeDrained(response, sseFrame(event), speech.signal, speech.stallTimeoutMs);
  try {
    await send(deltaEvent(speech.first));
    for (let next = await speech.rest.next(); !next.done; next = await speech.rest.next()) {
      await send(deltaEvent(next.value.audio));
    }
    await send(DONE_EVENT);
  } catch (error) {
    if (error instanceof StalledClientError) {
      response.destroy(error);
    } else if (!speech.signal.aborted && !response.destroyed) {
      const failure = toApiError(error);
      response.write(
        sseFrame({ type: 'error', ...toOpenAiError(failure.status, failure, failure.field) }),
      );
    }
  } finally {
    response.end();
  }
}
