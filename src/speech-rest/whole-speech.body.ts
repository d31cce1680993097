import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Bytes of audio base64-encoded at a time (a multiple of 3, so only the last piece is padded):
 * 1 MiB of base64 text, about a millisecond of work, then the event loop gets a turn.
 */
export const BASE64_PIECE_BYTES = 3 * 256 * 1024;

/** The JSON answer of stream=false, written in pieces. */
export interface WholeSpeechBody {
  /** Its length in bytes (UTF-8), known before any piece is made. */
  byteLength: number;
  /** Its text, piece by piece, with a turn of the event loop between pieces of audio. */
  pieces(): AsyncGenerator<string>;
}

/**
 * The answer `{"output":{"finish_reason":"stop","audio":{"data":…}},"request_id":…,"error":null}`
 * of a whole file kept as pieces: the audio is never joined into one buffer nor encoded in one
 * go, so a long answer does not stall the event loop.
 */
export function wholeSpeechBody(requestId: string, audio: readonly Buffer[]): WholeSpeechBody {
  const head = '{"output":{"finish_reason":"stop","audio":{"data":"';
  const tail = `"}},"request_id":${JSON.stringify(requestId)},"error":null}`;
  const audioBytes = audio.reduce((bytes, piece) => bytes + piece.length, 0);
  return {
    byteLength: Buffer.byteLength(head) + 4 * Math.ceil(audioBytes / 3) + Buffer.byteLength(tail),
    async *pieces() {
      yield head;
      yield* base64Pieces(audio);
      yield tail;
    },
  };
}

async function* base64Pieces(audio: readonly Buffer[]): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const chunk of audio) {
    for (let offset = 0; offset < chunk.length;) {
      const take = Math.min(BASE64_PIECE_BYTES - pendingBytes, chunk.length - offset);
      pending.push(chunk.subarray(offset, offset + take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === BASE64_PIECE_BYTES) {
        yield Buffer.concat(pending).toString('base64');
        pending = [];
        pendingBytes = 0;
        await nextTurn();
      }
    }
  }
  if (pendingBytes > 0) {
    yield Buffer.concat(pending).toString('base64');
  }
}
