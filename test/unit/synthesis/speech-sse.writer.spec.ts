import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import { writeSpeechEvents } from '../../../src/synthesis/speech-sse.writer.js';
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
  metrics: { speechSeconds: 1, serverCostSeconds: 0, modelSeconds: 0, firstPackageSeconds: 0 },
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
    await writeSpeechEvents(
      response as unknown as ServerResponse,
      'req-1',
      Buffer.from('first'),
      chunks(chunk('second')),
      new AbortController().signal,
      STALL_MS,
    );
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
    await writeSpeechEvents(
      response as unknown as ServerResponse,
      'req-2',
      Buffer.from('first'),
      chunks(new ApiError(503, 'ModelNotLoaded', 'the model went away')),
      new AbortController().signal,
      STALL_MS,
    );
    expect(response.frames.map(data).at(-1)).toEqual({
      output: { finish_reason: 'error', audio: { data: '' } },
      request_id: 'req-2',
      error: { code: 'ModelNotLoaded', message: 'the model went away' },
    });
  });

  it('waits for drain before the next event when the client reads slowly', async () => {
    const response = new FakeResponse();
    response.full = true;
    const done = writeSpeechEvents(
      response as unknown as ServerResponse,
      'req-3',
      Buffer.from('first'),
      chunks(chunk('second')),
      new AbortController().signal,
      STALL_MS,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(response.frames).toHaveLength(1);
    response.full = false;
    response.emit('drain');
    await done;
    expect(response.frames).toHaveLength(3);
  });

  it('stops quietly and closes the synthesis when the client is gone while it waits', async () => {
    const response = new FakeResponse();
    response.full = true;
    const client = new AbortController();
    let closed = false;
    async function* synthesis() {
      try {
        yield chunk('first');
        yield chunk('second');
      } finally {
        closed = true;
      }
    }
    const iterator = synthesis();
    const first = await iterator.next();
    const done = writeSpeechEvents(
      response as unknown as ServerResponse,
      'req-4',
      (first.value as EncodedAudioChunk).audio,
      iterator,
      client.signal,
      STALL_MS,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.abort();
    await done;
    expect(response.frames).toHaveLength(1);
    expect(response.ended).toBe(true);
    expect(closed).toBe(true);
  });

  it('stops the synthesis and drops the connection when the client takes nothing for the stall timeout', async () => {
    const response = new FakeResponse();
    response.full = true;
    let closed = false;
    async function* synthesis() {
      try {
        for (;;) yield chunk('more');
      } finally {
        closed = true;
      }
    }
    const iterator = synthesis();
    const first = await iterator.next();
    const started = Date.now();
    await writeSpeechEvents(
      response as unknown as ServerResponse,
      'req-5',
      (first.value as EncodedAudioChunk).audio,
      iterator,
      new AbortController().signal,
      100,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(response.frames).toHaveLength(1);
    expect(response.destroyed).toBe(true);
    expect(response.destroyedWith?.message).toBe(
      'the client took no data for 100 ms (STREAM_STALL_TIMEOUT_MS)',
    );
    expect(closed).toBe(true);
  });
});
