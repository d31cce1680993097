import type { FastifyReply } from 'fastify';
import type { OutputAudioFormat } from '../audio/audio.types.js';
import { asCompleteAudioFile } from '../audio/complete-audio-file.js';
import { audioEvent, errorEvent } from './speech-answer.js';
import type { EncodedAudioChunk } from '../synthesis/synthesis-request.js';

/**
 * How long a whole-file answer may take before the server starts sending whitespace to keep
 * the connection alive: the source's own client reads with `timeout=10`.
 */
export const WHOLE_ANSWER_HEARTBEAT_MS = 5000;

/**
 * Sends the answer of stream=false: one JSON with the whole file (a WAV with its exact sizes, a FLAC
 * with its exact sample count). A synthesis that is done within
 * `heartbeatMs` gets an ordinary reply, and its errors the common error shape with their status.
 * A longer one gets the 200 status line at `heartbeatMs` and then a space every `heartbeatMs`
 * (JSON allows leading whitespace), so clients with a read timeout keep waiting; if it then
 * fails, the JSON carries `error: {code, message}` as a failed SSE stream does.
 */
export async function sendWholeSpeech(
  reply: FastifyReply,
  requestId: string,
  format: OutputAudioFormat,
  chunks: AsyncIterator<EncodedAudioChunk>,
  signal: AbortSignal,
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
  try {
    const audio: Buffer[] = [];
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      audio.push(next.value.audio);
    }
    clearInterval(heartbeat);
    const file = Buffer.concat(audio);
    const answer = audioEvent(requestId, asCompleteAudioFile(format, file), true);
    if (streaming) {
      reply.raw.end(JSON.stringify(answer));
    } else {
      await reply.status(200).send(answer);
    }
  } catch (error) {
    clearInterval(heartbeat);
    if (!streaming) {
      throw error;
    }
    reply.raw.end(signal.aborted ? undefined : JSON.stringify(errorEvent(requestId, error)));
  }
}
