import type { ServerResponse } from 'node:http';
import { audioEvent, errorEvent, SpeechEvent } from './speech-answer.js';
import { StalledClientError } from '../http-streaming/stalled-client.error.js';
import { type StartedStream, writeDrained } from '../http-streaming/synthesis-reply.js';

/** `data: {...}` followed by the blank line that ends an event. */
export function sseFrame(event: SpeechEvent): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

/**
 * Writes a synthesis as server-sent events on a raw response whose headers are not sent yet:
 * one event per encoded chunk as soon as it exists, then a `finish_reason: "stop"` event; a
 * failure after the first event becomes a last event whose `error` is set. Waits for the socket
 * to drain when the client reads slowly; stops quietly once the client has gone. A client that
 * takes nothing for the stall timeout while an event waits loses the connection (its synthesis
 * is then closed by the caller).
 */
export async function writeSpeechEvents(
  response: ServerResponse,
  stream: StartedStream,
): Promise<void> {
  const { requestId, rest, signal } = stream;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
  response.flushHeaders();
  response.socket?.setNoDelay(true);
  const send = (event: SpeechEvent) =>
    writeDrained(response, sseFrame(event), signal, stream.stallTimeoutMs);
  try {
    await send(audioEvent(requestId, stream.first, false));
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
    response.end();
  }
}
