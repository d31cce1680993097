import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/common/api-error.js';
import { sendWholeSpeech } from '../../../src/speech-rest/speech-json.writer.js';
import type { EncodedAudioChunk } from '../../../src/synthesis/synthesis-request.js';

/** Just enough of a Fastify reply: the ordinary send and the raw (hijacked) response. */
class FakeReply {
  sentStatus = 0;
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
  async send(body: unknown) {
    this.sentBody = body;
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

const send = (reply: FakeReply, chunks: AsyncIterator<EncodedAudioChunk>) =>
  sendWholeSpeech(
    reply as unknown as FastifyReply,
    'req-1',
    'pcm',
    chunks,
    new AbortController().signal,
    30,
  );

describe(sendWholeSpeech.name, () => {
  it('answers a quick synthesis with an ordinary reply holding the whole file', async () => {
    const reply = new FakeReply();
    await send(reply, slowly(1, chunk('RIFF'), chunk('data')));
    expect(reply.hijacked).toBe(false);
    expect(reply.sentStatus).toBe(200);
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
});
