import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { OutputAudioFormat } from '../audio/audio.types.js';
import { asCompleteAudioFile } from '../audio/complete-audio-file.js';
import { writeDrained } from '../http-streaming/synthesis-reply.js';
import { errorEvent } from './speech-answer.js';
import { wholeSpeechBody } from './whole-speech.body.js';
import type { EncodedAudioChunk } from '../synthesis/synthesis-request.js';

/**
 * How long a whole-file answer may take before the server starts sending whitespace to keep
 * the connection alive: the source's own client reads with `timeout=10`.
 */
export const WHOLE_ANSWER_HEARTBEAT_MS = 5000;

/**
 * Sends the answer of stream=false: one JSON with the whole file (a WAV with its exact sizes, a
 * FLAC with its exact sample count),
 * its length bounded by SynthesisService (MAX_WHOLE_ANSWER_SECONDS) and its base64 written in
 * pieces (wholeSpeechBody), so no step blocks the event loop for long. A synthesis that is
 * done within `heartbeatMs` gets an ordinary reply with a Content-Length, and its errors the
 * common error shape with their status. A longer one gets the 200 status line at `heartbeatMs`
 * and then a space every `heartbeatMs` (JSON allows leading whitespace), so clients with a read
 * timeout keep waiting; if it then fails, the JSON carries `error: {code, message}` as a failed
 * SSE stream does. A client that takes nothing for `stallTimeoutMs` loses the connection.
 */
export async function sendWholeSpeech(
  reply: FastifyReply,
  requestId: string,
  format: OutputAudioFormat,
  chunks: AsyncIterator<EncodedAudioChunk>,
  signal: AbortSignal,
  stallTimeoutMs: number,
  heartbeatMs = WHOLE_ANSWER_HEARTBEAT_MS,
): Promise<void> {
  let streaming = false;
  const heartbeat = setInterval(() => {
    if (signal.aborted) {
      return;
    }
    if (!streaming) {
      streaming = true;
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-request-id': requestId,
      });
    }
    reply.raw.write(' ');
  }, heartbeatMs);
  const audio: Buffer[] = [];
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      audio.push(next.value.audio);
    }
    clearInterval(heartbeat);
  } catch (error) {
    clearInterval(heartbeat);
    if (!streaming) {
      throw error;
    }
    reply.raw.end(signal.aborted ? undefined : JSON.stringify(errorEvent(requestId, error)));
    return;
  }
  const body = wholeSpeechBody(requestId, asCompleteAudioFile(format, audio));
  if (!streaming) {
    await reply
      .status(200)
      .type('application/json; charset=utf-8')
      .header('content-length', body.byteLength)
      .send(Readable.from(body.pieces(), { objectMode: false }));
    return;
  }
  try {
    for await (const piece of body.pieces()) {
      await writeDrained(reply.raw, piece, signal, stallTimeoutMs);
    }
    reply.raw.end();
  } catch {
    reply.raw.destroy();
  }
}
