import type { ServerResponse } from 'node:http';
import { audioEvent, errorEvent, SpeechEvent } from './speech-answer.js';
import type { EncodedAudioChunk } from './synthesis-request.js';

/** `data: {...}` followed by the blank line that ends an event. */
export function sseFrame(event: SpeechEvent): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

/**
 * Writes a synthesis as server-sent events on a raw response whose headers are not sent yet:
 * one event per encoded chunk as soon as it exists, then a `finish_reason: "stop"` event; a
 * failure after the first event becomes a last event whose `error` is set. Waits for the socket
 * to drain when the client reads slowly; stops quietly once `signal` aborts (client gone).
 */
export async function writeSpeechEvents(
  response: ServerResponse,
  requestId: string,
  first: Buffer,
  rest: AsyncIterator<EncodedAudioChunk>,
  signal: AbortSignal,
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
  response.flushHeaders();
  response.socket?.setNoDelay(true);
  try {
    await write(response, audioEvent(requestId, first, false), signal);
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      await write(response, audioEvent(requestId, next.value.audio, false), signal);
    }
    await write(response, audioEvent(requestId, Buffer.alloc(0), true), signal);
  } catch (error) {
    if (!signal.aborted && !response.destroyed) {
      response.write(sseFrame(errorEvent(requestId, error)));
    }
  } finally {
    await rest.return?.();
    response.end();
  }
}

async function write(response: ServerResponse, event: SpeechEvent, signal: AbortSignal) {
  signal.throwIfAborted();
  if (response.write(sseFrame(event))) {
    return;
  }
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    response.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
  signal.throwIfAborted();
}
