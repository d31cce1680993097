import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../src/audio/audio-decoder.js';
import { TaskSocket, taskAudioChunks, uploadVoice } from '../support/speech-clients.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';

const PIECES = [
  'The quick brown fox jumps over the lazy dog ',
  'and then it runs far away into the green forest ',
  'where the tall old trees stand quietly beside a small river',
  ' that shines in the morning sun.',
];

describe('WebSocket duplex task with TEXT_STREAM_MODE=bistream (real engine on the tiny pack)', () => {
  let app: TestApp;
  let voice: string;
  let socket: TaskSocket | undefined;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack(), TEXT_STREAM_MODE: 'bistream' });
    voice = await uploadVoice(app, 200, 'This is the reference speaker talking.');
  });

  afterAll(async () => {
    socket?.close();
    await app?.close();
  });

  it('speaks text pieces as they arrive and finishes the task with valid audio', async () => {
    expect(app.config.inference.textStreamMode).toBe('bistream');
    socket = await TaskSocket.open(app);
    socket.runTask('bistream-task', {
      mode: 'fast_replication',
      reference_audio_id: voice,
      output_format: 'wav',
      sample_rate: 24000,
      speed: 1.0,
      seed: 3,
    });
    await socket.next((event) => event.header.event === 'task-started');
    for (const piece of PIECES.slice(0, -1)) socket.continueTask('bistream-task', piece);
    const early = await socket.next((event) => event.header.event === 'result-generated');
    expect(early.header.task_id).toBe('bistream-task');
    socket.continueTask('bistream-task', PIECES.at(-1)!);
    socket.finishTask('bistream-task');
    const events = await socket.taskEnd('bistream-task');
    expect(events.at(-1)!.header.event).toBe('task-finished');
    const audio = await decodeAudio(Buffer.concat(taskAudioChunks(events)));
    expect(audio.sampleRate).toBe(24000);
    expect(audio.duration).toBeGreaterThan(1);
    const results = events.filter((event) => event.header.event === 'result-generated');
    const speech = results.reduce(
      (sum, event) => sum + (event.payload.metrics?.speech_len ?? 0),
      0,
    );
    expect(Math.abs(speech - audio.duration)).toBeLessThan(0.01);
  });
});
