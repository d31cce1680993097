import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioDecodeError, AudioTooLongError } from '../../../src/audio/audio-decode.error.js';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
import { FlacStreamEncoder } from '../../../src/audio/flac.encoder.js';
import { ffmpegFloat } from '../../support/independent-decoders.js';
import { correlation } from '../../support/signal-measures.js';

const run = promisify(execFile);

/** Speech from espeak-ng in each container, as phones, chat apps and browsers record it. */
const ENCODINGS = {
  flac: { extension: 'flac', args: ['-c:a', 'flac'], format: 'flac', rate: 22050 },
  opus: { extension: 'ogg', args: ['-c:a', 'libopus', '-b:a', '32k'], format: 'opus', rate: 48000 },
  vorbis: {
    extension: 'ogg',
    args: ['-c:a', 'libvorbis', '-q:a', '4'],
    format: 'vorbis',
    rate: 22050,
  },
  webm: {
    extension: 'webm',
    args: ['-c:a', 'libopus', '-b:a', '32k'],
    format: 'webm',
    rate: 48000,
  },
  stereoFlac: {
    extension: 'flac',
    args: ['-c:a', 'flac', '-ac', '2', '-ar', '44100'],
    format: 'flac',
    rate: 44100,
  },
} as const;

describe('decodeAudio: FLAC, Ogg Opus and Ogg Vorbis uploads (files made by ffmpeg from espeak-ng)', () => {
  let dir: string;
  const files = new Map<string, Buffer>();

  async function encode(
    name: string,
    input: string,
    extension: string,
    args: readonly string[],
  ): Promise<Buffer> {
    const path = join(dir, `${name}.${extension}`);
    await run('ffmpeg', ['-v', 'error', '-y', '-i', input, ...args, path]);
    return readFile(path);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upload-formats-'));
    const speech = join(dir, 'speech.wav');
    await run('espeak-ng', [
      '-v',
      'en',
      '-w',
      speech,
      'Hello, this is my voice for the speech service.',
    ]);
    for (const [name, { extension, args }] of Object.entries(ENCODINGS)) {
      files.set(name, await encode(name, speech, extension, args));
    }
    files.set('m4a', await encode('m4a', speech, 'm4a', ['-c:a', 'aac']));
    files.set('vorbisWebm', await encode('vorbisWebm', speech, 'webm', ['-c:a', 'libvorbis']));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.entries(ENCODINGS))(
    '%s: decodes to what ffmpeg decodes',
    async (name, { format, rate }) => {
      const bytes = files.get(name)!;
      const audio = await decodeAudio(bytes, { maxSeconds: 30 });
      expect(audio.format).toBe(format);
      expect(audio.sampleRate).toBe(rate);
      const reference = await ffmpegFloat(bytes, rate);
      // FLAC: the decoder may leave out a short last frame (at most one 4096-sample block);
      // WebM: the padding of the last 20 ms packet is not trimmed (ffmpeg trims it);
      // Opus: libopus and ffmpeg's own Opus decoder differ slightly on the same stream
      const missing = reference.length - audio.samples.length;
      expect(missing).toBeGreaterThanOrEqual(format === 'webm' ? -960 : 0);
      expect(missing).toBeLessThanOrEqual(format === 'flac' ? 4096 : 0);
      expect(correlation(audio.samples, reference)).toBeGreaterThan(
        format === 'opus' || format === 'webm' ? 0.9 : 0.999,
      );
      expect(audio.duration).toBeGreaterThan(2);
    },
  );

  it.each(Object.keys(ENCODINGS))(
    '%s: longer than the limit is refused before decoding',
    async (name) => {
      const error = await decodeAudio(files.get(name)!, { maxSeconds: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AudioTooLongError);
      expect((error as AudioTooLongError).atLeast).toBe(false);
    },
  );

  it('a FLAC stream that declares 0 samples is stopped while decoding at the limit', async () => {
    const encoder = await FlacStreamEncoder.create(16000);
    const stream = Buffer.concat([
      encoder.push(new Float32Array(16000 * 5).fill(0.1)),
      encoder.end(),
    ]);
    const error = await decodeAudio(stream, { maxSeconds: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioTooLongError);
    expect((error as AudioTooLongError).atLeast).toBe(true);
    const whole = await decodeAudio(stream, { maxSeconds: 6 });
    expect(whole.samples.length).toBeGreaterThan(16000 * 5 - 4096);
  });

  it.each([
    ['flac', /FLAC/],
    ['opus', /Ogg Opus file is cut short/],
    ['vorbis', /Ogg Vorbis file is cut short/],
    ['webm', /^the WebM file is cut short or damaged$/],
  ])('%s cut in half: refused with a clear message', async (name, message) => {
    const bytes = files.get(name)!;
    const error = await decodeAudio(bytes.subarray(0, Math.floor(bytes.length / 2))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AudioDecodeError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    [
      'm4a',
      'MP4/M4A/AAC audio or video, which is not supported (convert it first, e.g. ffmpeg -i voice.m4a voice.flac)',
    ],
  ])('%s: refused with how to convert it', async (name, what) => {
    await expect(decodeAudio(files.get(name)!)).rejects.toThrow(
      `the file looks like ${what}; expected WAV, MP3, FLAC, Ogg Opus, Ogg Vorbis, WebM Opus or raw PCM`,
    );
  });

  it('WebM with Vorbis: refused with how to convert it', async () => {
    await expect(decodeAudio(files.get('vorbisWebm')!)).rejects.toThrow(
      'the WebM/Matroska file holds no Opus audio track, which is the only one supported (convert it first, e.g. ffmpeg -i voice.webm voice.flac)',
    );
  });

  it('a file named .flac whose bytes are Ogg is refused', async () => {
    await expect(decodeAudio(files.get('opus')!, { claimedFormat: 'flac' })).rejects.toThrow(
      'the file is named .flac but its bytes are not a FLAC file (no fLaC header)',
    );
  });
});
