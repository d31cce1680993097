import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SynthesisLimiter } from '../../src/synthesis/synthesis.limiter.js';
import {
  TaskSocket,
  postSpeech,
  readSpeechEvents,
  taskAudioChunks,
  uploadVoice,
} from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const TEXT = '收到好友从远方寄来的生日礼物,那份意外的惊喜让我心中充满了快乐。';
const SEED = 11;

/**
 * Several clients at once, on both transports, with two different voices: every client must
 * get exactly the chunks it gets when it runs alone (same seed), so no chunk of another request
 * or voice can have slipped in.
 */
describe('parallel syntheses are isolated (real engine on the tiny pack)', () => {
  let app: TestApp;
  const voices: Record<'low' | 'high', string> = { low: '', high: '' };

  /** The decoded audio chunks of one SSE request. */
  async function restChunks(voice: string): Promise<Buffer[]> {
    const response = await postSpeech(app, {
      model: 'CosyVoice2-0.5B',
      input: { mode: 'fast_replication', reference_audio_id: voice, text: TEXT, seed: SEED },
    });
    expect(response.status).toBe(200);
    const events = await readSpeechEvents(response);
    expect(events.every((event) => event.error === null)).toBe(true);
    return events
      .map((event) => Buffer.from(event.output.audio.data, 'base64'))
      .filter((chunk) => chunk.length > 0);
  }

  /** The decoded audio chunks of one WebSocket task, on its own connection. */
  async function wsChunks(voice: string, taskId: string): Promise<Buffer[]> {
    const socket = await TaskSocket.open(app);
    try {
      const events = await socket.runWholeTask(
        taskId,
        { mode: 'fast_replication', reference_audio_id: voice, output_format: 'wav', seed: SEED },
        [TEXT],
      );
      expect(events.at(-1)!.header.event).toBe('task-finished');
      expect(events.every((event) => event.header.task_id === taskId)).toBe(true);
      return taskAudioChunks(events);
    } finally {
      socket.close();
    }
  }

  beforeAll(async () => {
    app = await startTestApp({
      MODEL_DIR: await prepareTinyPack(),
      MAX_CONCURRENT_SYNTHESES: '8',
      SYNTHESIS_QUEUE_SIZE: '8',
    });
    voices.low = await uploadVoice(app, 110, '希望你以后能够做得比我还好哟');
    voices.high = await uploadVoice(app, 320, '希望你以后能够做得比我还好哟');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('gives each client only its own audio, chunk for chunk, on REST and WebSocket', async () => {
    const alone = {
      restLow: await restChunks(voices.low),
      restHigh: await restChunks(voices.high),
      wsLow: await wsChunks(voices.low, 'alone-low'),
      wsHigh: await wsChunks(voices.high, 'alone-high'),
    };
    expect(alone.restLow.length).toBeGreaterThan(1);
    expect(alone.wsLow.length).toBeGreaterThan(1);
    // The two voices really sound different, so a mix-up would be caught.
    expect(Buffer.concat(alone.restLow).equals(Buffer.concat(alone.restHigh))).toBe(false);
    expect(Buffer.concat(alone.wsLow).equals(Buffer.concat(alone.wsHigh))).toBe(false);

    const limiter = app.app.get(SynthesisLimiter, { strict: false });
    let mostAtOnce = 0;
    const watch = setInterval(() => (mostAtOnce = Math.max(mostAtOnce, limiter.active)), 2);
    const together = await Promise.all([
      restChunks(voices.low),
      restChunks(voices.high),
      wsChunks(voices.low, 'together-low'),
      wsChunks(voices.high, 'together-high'),
      restChunks(voices.high),
      wsChunks(voices.low, 'together-low-2'),
    ]).finally(() => clearInterval(watch));
    expect(mostAtOnce).toBeGreaterThanOrEqual(3);
    const expected = [
      alone.restLow,
      alone.restHigh,
      alone.wsLow,
      alone.wsHigh,
      alone.restHigh,
      alone.wsLow,
    ];
    together.forEach((chunks, index) => {
      expect(chunks.length, `client ${index}`).toBe(expected[index].length);
      chunks.forEach((chunk, at) => {
        expect(chunk.equals(expected[index][at]), `client ${index}, chunk ${at}`).toBe(true);
      });
    });
  });
});
