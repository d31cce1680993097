import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import { sendWholeSpeech } from '../../../src/speech-rest/speech-json.writer.js';
import { BASE64_PIECE_BYTES } from '../../../src/speech-rest/whole-speech.body.js';
import type { EncodedAudioChunk } from '../../../src/synthesis/synthesis-request.js';

/** Just enough of a Fastify reply: the ordinary send and the raw (hijacked) response. */
class FakeReply {
  sentStatus = 0;
  sentHeaders: Record<string, string | number> = {};
  sentBody: unknown;
  hijacked = false;
  raw = Object.assign(new EventEmitter(), {
    status: 0,
    headers: {} as Record<string, string>,
    written: '',
    ended: false,
    destroyed: false,
    writeHead(status: number, headers: Record<string, string>) {
      this.status = status;
      this.headers = headers;
    },
    write(text: string) {
      this.written += text;
      return true;
    },
    end(text?: string) {
      this.written += text ?? '';
      this.ended = true;
    },
  });

  hijack() {
    this.hijacked = true;
  }
  status(status: number) {
    this.sentStatus = status;
    return this;
  }
  type(contentType: string) {
    return this.header('content-type', contentType);
  }
  header(name: string, value: string | number) {
    this.sentHeaders[name] = value;
    return this;
  }
  async send(body: Readable) {
    const text = (await body.toArray()).join('');
    expect(Buffer.byteLength(text)).toBe(this.sentHeaders['content-length']);
    this.sentBody = JSON.parse(text);
  }
}

const chunk = (text: string): EncodedAudioChunk => ({
  audio: Buffer.from(text),
  metrics: { speechSeconds: 1, serverCostSeconds: 0, generateSeconds: 0, firstPackageSeconds: 0 },
});

async function* slowly(delayMs: number, ...items: (EncodedAudioChunk | Error)[]) {
  for (const item of items) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (item instanceof Error) throw item;
    yield item;
  }
}

const send = (
  reply: FakeReply,
  chunks: AsyncIterator<EncodedAudioChunk>,
  format: 'pcm' | 'wav' = 'pcm',
  heartbeatMs = 30,
) =>
  sendWholeSpeech(
    reply as unknown as FastifyReply,
    'req-1',
    format,
    chunks,
    new AbortController().signal,
    1000,
    heartbeatMs,
  );

/** Longer than any test: the answer is never turned into a heartbeat stream. */
const NO_HEARTBEAT_MS = 60_000;

describe(sendWholeSpeech.name, () => {
  it('answers a quick synthesis with an ordinary reply holding the whole file', async () => {
    const reply = new FakeReply();
    await send(reply, slowly(1, chunk('RIFF'), chunk('data')));
    expect(reply.hijacked).toBe(false);
    expect(reply.sentStatus).toBe(200);
    expect(reply.sentHeaders['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.sentBody).toEqual({
      output: {
        finish_reason: 'stop',
        audio: { data: Buffer.from('RIFFdata').toString('base64') },
      },
      request_id: 'req-1',
      error: null,
    });
  });

  it('lets an error of a quick synthesis reach the error filter (proper status code)', async () => {
    const reply = new FakeReply();
    const failure = new ApiError(500, 'SynthesisFailed', 'synthesis failed: boom');
    await expect(send(reply, slowly(1, chunk('RIFF'), failure))).rejects.toBe(failure);
    expect(reply.hijacked).toBe(false);
  });

  it('keeps a long synthesis alive with whitespace before the JSON', async () => {
    const reply = new FakeReply();
    await send(reply, slowly(50, chunk('RIFF'), chunk('data')));
    expect(reply.hijacked).toBe(true);
    expect(reply.raw.status).toBe(200);
    expect(reply.raw.headers).toMatchObject({ 'x-request-id': 'req-1' });
    expect(reply.raw.written).toMatch(/^ +\{/);
    expect(JSON.parse(reply.raw.written)).toMatchObject({
      output: {
        finish_reason: 'stop',
        audio: { data: Buffer.from('RIFFdata').toString('base64') },
      },
      error: null,
    });
    expect(reply.raw.ended).toBe(true);
  });

  it('reports a failure after the status line was sent inside the JSON', async () => {
    const reply = new FakeReply();
    const failure = new ApiError(503, 'ModelNotLoaded', 'the model went away');
    await send(reply, slowly(50, chunk('RIFF'), failure));
    expect(JSON.parse(reply.raw.written)).toEqual({
      output: { finish_reason: 'error', audio: { data: '' } },
      request_id: 'req-1',
      error: { code: 'ModelNotLoaded', message: 'the model went away' },
    });
  });

  it('encodes a long answer in pieces, giving the event loop a turn between them', async () => {
    const reply = new FakeReply();
    const audio = Buffer.alloc(3 * BASE64_PIECE_BYTES + 7, 0x5a);
    const pieces = [audio.subarray(0, 1000), audio.subarray(1000)].map((part) => ({
      ...chunk(''),
      audio: part,
    }));
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      await send(reply, slowly(1, ...pieces), 'pcm', NO_HEARTBEAT_MS);
    } finally {
      clearInterval(ticker);
    }
    expect(reply.sentBody).toMatchObject({
      output: { finish_reason: 'stop', audio: { data: audio.toString('base64') } },
    });
    expect(turns).toBeGreaterThan(0);
  });

  it('gives a WAV its exact sizes without joining the pieces first', async () => {
    const reply = new FakeReply();
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(0xffffffff, 4);
    header.write('WAVEfmt ', 8, 'latin1');
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(0xffffffff, 40);
    const data = Buffer.alloc(1000, 1);
    const pieces = [Buffer.concat([header, data.subarray(0, 10)]), data.subarray(10)];
    await send(
      reply,
      slowly(1, ...pieces.map((audio) => ({ ...chunk(''), audio }))),
      'wav',
      NO_HEARTBEAT_MS,
    );
    const file = Buffer.from(
      (reply.sentBody as { output: { audio: { data: string } } }).output.audio.data,
      'base64',
    );
    expect(file.length).toBe(1044);
    expect(file.readUInt32LE(4)).toBe(1036);
    expect(file.readUInt32LE(40)).toBe(1000);
  });
});
