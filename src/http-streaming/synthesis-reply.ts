import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { ClientDisconnectedError } from './client-disconnected.error.js';
import { StalledClientError } from './stalled-client.error.js';
import type { EncodedAudioChunk } from '../synthesis/synthesis-request.js';
import type { SynthesisHandle } from '../synthesis/synthesis.handle.js';

/** A streamed answer whose first audio is there, so the synthesis did not fail before audio. */
export interface StartedStream {
  requestId: string;
  first: Buffer;
  rest: AsyncIterator<EncodedAudioChunk>;
  /** Aborts when the client has gone. */
  signal: AbortSignal;
  /** How long one write may wait for a client that takes nothing (STREAM_STALL_TIMEOUT_MS). */
  stallTimeoutMs: number;
}

/**
 * Answers one HTTP request with a synthesis, the same way on every HTTP transport: opens it with
 * a signal that aborts when the client goes away, hands its chunks to `answer`, and always
 * closes it, so its slot is free once the engine has stopped. A failure after the client left
 * is dropped: nobody is there to read it.
 */
export async function answerWithSynthesis(
  reply: FastifyReply,
  open: (signal: AbortSignal) => Promise<SynthesisHandle>,
  answer: (chunks: AsyncIterator<EncodedAudioChunk>, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const disconnect = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableEnded) {
      disconnect.abort(new ClientDisconnectedError());
    }
  };
  reply.raw.on('close', onClose);
  let handle: SynthesisHandle | undefined;
  try {
    handle = await open(disconnect.signal);
    await answer(handle.chunks, disconnect.signal);
  } catch (error) {
    if (!disconnect.signal.aborted) {
      throw error;
    }
  } finally {
    reply.raw.off('close', onClose);
    await handle?.close();
  }
}

/**
 * Waits for the first chunk before any byte is sent, so that a failure up to the first audio
 * still gets its status code and error body; then takes the response over from Fastify and
 * hands it to `write`.
 */
export async function streamFromFirstChunk(
  reply: FastifyReply,
  stream: Omit<StartedStream, 'first'>,
  write: (response: ServerResponse, started: StartedStream) => Promise<void>,
): Promise<void> {
  const first = await stream.rest.next();
  reply.hijack();
  await write(reply.raw, { ...stream, first: first.done ? Buffer.alloc(0) : first.value.audio });
}

/**
 * Writes `data`; when the client reads slowly, waits for the socket to drain. Throws the
 * signal's reason once the client has gone, and StalledClientError when the client took nothing
 * for `stallTimeoutMs`.
 */
export async function writeDrained(
  response: ServerResponse,
  data: Buffer | string,
  signal: AbortSignal,
  stallTimeoutMs: number,
): Promise<void> {
  signal.throwIfAborted();
  if (data.length === 0 || response.write(data)) {
    return;
  }
  const drained = await new Promise<boolean>((resolve) => {
    const finish = (flushed: boolean): void => {
      clearTimeout(timer);
      response.off('drain', onDrain);
      response.off('close', onDrain);
      signal.removeEventListener('abort', onDrain);
      resolve(flushed);
    };
    const onDrain = (): void => finish(true);
    const timer = setTimeout(() => finish(false), stallTimeoutMs);
    response.on('drain', onDrain);
    response.on('close', onDrain);
    signal.addEventListener('abort', onDrain, { once: true });
  });
  signal.throwIfAborted();
  if (!drained) {
    throw new StalledClientError(stallTimeoutMs);
  }
}
