import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import { writeSpeechEvents } from '../../../src/speech-rest/speech-sse.writer.js';
import type { EncodedAudioChunk } from '../../../src/synthesis/synthesis-request.js';

/** Records what is written; `write` reports a full buffer when `full` is set. */
class FakeResponse extends EventEmitter {
  status = 0;
  headers: Record<string, string> = {};
  frames: string[] = [];
  ended = false;
  destroyed = false;
  full = false;
  socket = { setNoDelay: () => undefined };

  writeHead(status: number, headers: Record<string, string>) {
    this.status = status;
    this.headers = headers;
    return this;
  }
  flushHeaders() {}
  write(frame: string) {
    this.frames.push(frame);
    return !this.full;
  }
  end() {
    this.ended = true;
  }
  destroy(error?: Error) {
    this.destroyed = true;
    this.destroyedWith = error;
  }
  destroyedWith: Error | undefined;
}

const chunk = (text: string): EncodedAudioChunk => ({
  audio: Buffer.from(text),
  metrics: { speechSeconds: 1, serverCostSeconds: 0, generateSeconds: 0, firstPackageSeconds: 0 },
});

async function* chunks(...items: (EncodedAudioChunk | Error)[]) {
  for (const item of items) {
    if (item instanceof Error) throw item;
    yield item;
  }
}

/** Stall timeout of the tests that do not test it. */
const STALL_MS = 60_000;

const data = (frame: string) => JSON.parse(frame.replace(/^data: /, '').trimEnd());

describe(writeSpeechEvents.name, () => {
  it('writes SSE headers, one event per chunk and a final stop event', async () => {
    const response = new FakeResponse();
    await writeSpeechEvents(response as unknown as ServerResponse, {
      requestId: 'req-1',
      first: Buffer.from('first'),
      rest: chunks(chunk('second')),
      signal: new AbortController().signal,
      stallTimeoutMs: STALL_MS,
    });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'x-request-id': 'req-1',
    });
    expect(response.frames.every((frame) => /^data: \{.*\}\n\n$/.test(frame))).toBe(true);
    expect(response.frames.map(data)).toEqual([
      {
        output: { finish_reason: null, audio: { data: 'Zmlyc3Q=' } },
        request_id: 'req-1',
        error: null,
      },
      {
        output: { finish_reason: null, audio: { data: 'c2Vjb25k' } },
        request_id: 'req-1',
        error: null,
      },
      { output: { finish_reason: 'stop', audio: { data: '' } }, request_id: 'req-1', error: null },
    ]);
    expect(response.ended).toBe(true);
  });

  it('ends with an error event when the synthesis fails after the first chunk', async () => {
    const response = new FakeResponse();
    await writeSpeechEvents(response as unknown as ServerResponse, {
      requestId: 'req-2',
      first: Buffer.from('first'),
      rest: chunks(new ApiError(503, 'ModelNotLoaded', 'the model went away')),
      signal: new AbortController().signal,
      stallTimeoutMs: STALL_MS,
    });
    expect(response.frames.map(data).at(-1)).toEqual({
      output: { finish_reason: 'error', audio: { data: '' } },
      request_id: 'req-2',
      error: { code: 'ModelNotLoaded', message: 'the model went away' },
    });
  });

  it('waits for drain before the next event when the client reads slowly', async () => {
    const response = new FakeResponse();
    response.full = true;
    const done = writeSpeechEvents(response as unknown as ServerResponse, {
      requestId: 'req-3',
      first: Buffer.from('first'),
      rest: chunks(chunk('second')),
      signal: new AbortController().signal,
      stallTimeoutMs: STALL_MS,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(response.frames).toHaveLength(1);
    response.full = false;
    response.emit('drain');
    await done;
    expect(response.frames).toHaveLength(3);
  });

  it('stops reading quietly when the client is gone while it waits', async () => {
    const response = new FakeResponse();
    response.full = true;
    const client = new AbortController();
    let taken = 0;
    async function* synthesis() {
      for (const name of ['first', 'second']) {
        taken++;
        yield chunk(name);
      }
    }
    const iterator = synthesis();
    const first = await iterator.next();
    const done = writeSpeechEvents(response as unknown as ServerResponse, {
      requestId: 'req-4',
      first: (first.value as EncodedAudioChunk).audio,
      rest: iterator,
      signal: client.signal,
      stallTimeoutMs: STALL_MS,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.abort();
    await done;
    expect(response.frames).toHaveLength(1);
    expect(response.ended).toBe(true);
    expect(taken).toBe(1);
  });

  it('stops reading and drops the connection when the client takes nothing for the stall timeout', async () => {
    const response = new FakeResponse();
    response.full = true;
    let taken = 0;
    async function* synthesis() {
      for (;;) {
        taken++;
        yield chunk('more');
      }
    }
    const iterator = synthesis();
    const first = await iterator.next();
    const started = Date.now();
    await writeSpeechEvents(response as unknown as ServerResponse, {
      requestId: 'req-5',
      first: (first.value as EncodedAudioChunk).audio,
      rest: iterator,
      signal: new AbortController().signal,
      stallTimeoutMs: 100,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(response.frames).toHaveLength(1);
    expect(response.destroyed).toBe(true);
    expect(response.destroyedWith?.message).toBe(
      'the client took no data for 100 ms (STREAM_STALL_TIMEOUT_MS)',
    );
    expect(taken).toBe(1);
  });
});
