import type { ServerResponse } from 'node:http';
import { audioEvent, errorEvent, SpeechEvent } from './speech-answer.js';
import { StalledClientError } from './stalled-client.error.js';
import type { EncodedAudioChunk } from './synthesis-request.js';

/** `data: {...}` followed by the blank line that ends an event. */
export function sseFrame(event: SpeechEvent): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

/**
 * Writes a synthesis as server-sent events on a raw response whose headers are not sent yet:
 * one event per encoded chunk as soon as it exists, then a `finish_reason: "stop"` event; a
 * failure after the first event becomes a last event whose `error` is set. Waits for the socket
 * to drain when the client reads slowly; stops quietly once `signal` aborts (client gone). A
 * client that takes nothing for `stallTimeoutMs` while an event waits stops the synthesis (its
 * slot is free once this resolves) and loses the connection.
 */
export async function writeSpeechEvents(
  response: ServerResponse,
  requestId: string,
  first: Buffer,
  rest: AsyncIterator<EncodedAudioChunk>,
  signal: AbortSignal,
  stallTimeoutMs: number,
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
  const send = (event: SpeechEvent) => write(response, event, signal, stallTimeoutMs);
  try {
    await send(audioEvent(requestId, first, false));
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      await send(audioEvent(requestId, next.value.audio, false));
    }
    await send(audioEvent(requestId, Buffer.alloc(0), true));
  } catch (error) {
    if (error instanceof StalledClientError) {
      response.destroy(error);
    } else if (!signal.aborted && !response.destroyed) {
      response.write(sseFrame(errorEvent(requestId, error)));
    }
  } finally {
    await rest.return?.();
    response.end();
  }
}

/** Writes one event; waits for the socket to drain, at most `stallTimeoutMs`. */
async function write(
  response: ServerResponse,
  event: SpeechEvent,
  signal: AbortSignal,
  stallTimeoutMs: number,
): Promise<void> {
  signal.throwIfAborted();
  if (response.write(sseFrame(event))) {
    return;
  }
  const drained = await new Promise<boolean>((resolve) => {
    const finish = (flushed: boolean): void => {
      clearTimeout(timer);
      response.off('drain', onDrain);
      signal.removeEventListener('abort', onDrain);
      resolve(flushed);
    };
    const onDrain = (): void => finish(true);
    const timer = setTimeout(() => finish(false), stallTimeoutMs);
    response.on('drain', onDrain);
    signal.addEventListener('abort', onDrain, { once: true });
  });
  signal.throwIfAborted();
  if (!drained) {
    throw new StalledClientError(stallTimeoutMs);
  }
}
