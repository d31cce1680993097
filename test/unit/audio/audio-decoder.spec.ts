import { describe, expect, it } from 'vitest';
import { createMp3Encoder } from 'wasm-media-encoders';
import { AudioDecodeError } from '../../../src/audio/audio-decode.error.js';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
import { peak, rms } from '../../support/signal-measures.js';
import { ffmpegTone, sine } from './audio-test-helpers.js';
import { WavEncoding, writeWav } from './wav-writer.js';

const ENCODINGS: { encoding: WavEncoding; tolerance: number }[] = [
  { encoding: 'u8', tolerance: 1 / 100 },
  { encoding: 's16', tolerance: 1e-4 },
  { encoding: 's24', tolerance: 1e-6 },
  { encoding: 's32', tolerance: 1e-6 },
  { encoding: 'f32', tolerance: 1e-7 },
  { encoding: 'f64', tolerance: 1e-7 },
];

async function expectRejected(bytes: Buffer, message: RegExp): Promise<void> {
  const attempt = decodeAudio(bytes);
  await expect(attempt).rejects.toBeInstanceOf(AudioDecodeError);
  await expect(attempt).rejects.toThrow(message);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('decodeAudio: WAV', () => {
  const left = sine(440, 22050, 0.5, 0.6);
  const right = sine(660, 22050, 0.5, 0.3);

  for (const { encoding, tolerance } of ENCODINGS) {
    for (const channels of [1, 2, 3]) {
      for (const extensible of [false, true]) {
        it(`reads ${encoding} with ${channels} channel(s)${extensible ? ', extensible' : ''}`, async () => {
          const signals = [left, right, left].slice(0, channels);
          const decoded = await decodeAudio(writeWav(signals, 22050, encoding, extensible));
          const expected = left.map((_, i) => signals.reduce((sum, s) => sum + s[i], 0) / channels);
          expect(decoded.format).toBe('wav');
          expect(decoded.sampleRate).toBe(22050);
          expect(decoded.samples.length).toBe(left.length);
          expect(decoded.duration).toBeCloseTo(0.5, 6);
          expect(maxDifference(decoded.samples, expected)).toBeLessThanOrEqual(tolerance);
        });
      }
    }
  }

  it('accepts 8 kHz and 48 kHz, rejects 96 kHz with the rate in the message', async () => {
    expect((await decodeAudio(writeWav([sine(200, 8000, 0.1)], 8000, 's16'))).sampleRate).toBe(
      8000,
    );
    expect((await decodeAudio(writeWav([sine(200, 48000, 0.1)], 48000, 's16'))).sampleRate).toBe(
      48000,
    );
    await expectRejected(writeWav([sine(200, 96000, 0.1)], 96000, 's16'), /96000 Hz/);
  });

  it('clips float samples beyond full scale to [-1, 1]', async () => {
    const loud = Float32Array.from([0.5, 1.7, -3, 0]);
    const decoded = await decodeAudio(writeWav([loud], 16000, 'f32'));
    expect(Array.from(decoded.samples)).toEqual([0.5, 1, -1, 0]);
  });

  it('rejects a truncated WAV (data chunk larger than the file)', async () => {
    const wav = writeWav([sine(440, 16000, 0.5)], 16000, 's16');
    await expectRejected(wav.subarray(0, wav.length - 1000), /truncated/);
  });

  it('rejects a WAV cut inside its header', async () => {
    const wav = writeWav([sine(440, 16000, 0.5)], 16000, 's16');
    await expectRejected(wav.subarray(0, 30), /truncated|fmt/);
  });

  it('rejects an unsupported WAV encoding (A-law) with a clear message', async () => {
    const wav = writeWav([sine(440, 8000, 0.1)], 8000, 'u8');
    wav.writeUInt16LE(6, 20); // WAVE_FORMAT_ALAW
    await expectRejected(wav, /unsupported WAV encoding/);
  });

  it('reads a streamed WAV whose size fields say "unknown"', async () => {
    const wav = writeWav([sine(440, 16000, 0.25)], 16000, 's16');
    wav.writeUInt32LE(0xffffffff, 4);
    wav.writeUInt32LE(0xffffffff, wav.indexOf('data') + 4);
    const decoded = await decodeAudio(wav);
    expect(decoded.samples.length).toBe(4000);
  });
});

describe('decodeAudio: MP3', () => {
  it('decodes a stereo 44.1 kHz CBR MP3 made by ffmpeg (tone level preserved)', async () => {
    const mp3 = ffmpegTone('mp3', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=44100:duration=1.5',
      '-af',
      'pan=stereo|c0=c0|c1=c0',
      '-b:a',
      '128k',
    ]);
    const decoded = await decodeAudio(mp3);
    expect(decoded.format).toBe('mp3');
    expect(decoded.sampleRate).toBe(44100);
    expect(decoded.duration).toBeGreaterThan(1.45);
    expect(decoded.duration).toBeLessThan(1.6);
    // ffmpeg's sine source has amplitude 1/8: RMS 0.0884
    expect(rms(decoded.samples, 4410, 44100)).toBeCloseTo(0.125 / Math.SQRT2, 2);
  });

  it('decodes a VBR MP3 with an ID3 tag at 16 kHz', async () => {
    const mp3 = ffmpegTone('mp3', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=300:sample_rate=16000:duration=2',
      '-q:a',
      '4',
      '-metadata',
      'title=tone',
      '-id3v2_version',
      '3',
    ]);
    expect(mp3.subarray(0, 3).toString('latin1')).toBe('ID3');
    const decoded = await decodeAudio(mp3);
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.duration).toBeGreaterThan(1.95);
    expect(decoded.duration).toBeLessThan(2.1);
  });

  it('decodes an MP3 encoded by LAME (wasm-media-encoders, 24 kHz mono)', async () => {
    const encoder = await createMp3Encoder();
    encoder.configure({ sampleRate: 24000, channels: 1, bitrate: 64 });
    const frames = Buffer.from(encoder.encode([sine(440, 24000, 1, 0.5)]));
    const mp3 = Buffer.concat([frames, Buffer.from(encoder.finalize())]);
    const decoded = await decodeAudio(mp3);
    expect(decoded.sampleRate).toBe(24000);
    expect(peak(decoded.samples)).toBeGreaterThan(0.45);
    expect(peak(decoded.samples)).toBeLessThan(0.56);
  });

  it('rejects an ID3 tag followed by garbage', async () => {
    const garbage = Buffer.alloc(5000, 0x37);
    const tag = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...Buffer.alloc(10)]);
    await expectRejected(Buffer.concat([tag, garbage]), /MP3/);
  });

  it('decodes the complete frames of an MP3 cut in the middle', async () => {
    const mp3 = ffmpegTone('mp3', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=24000:duration=2',
      '-b:a',
      '64k',
    ]);
    const decoded = await decodeAudio(mp3.subarray(0, Math.floor(mp3.length / 2)));
    expect(decoded.duration).toBeGreaterThan(0.8);
    expect(decoded.duration).toBeLessThan(1.2);
  });
});

describe('decodeAudio: raw PCM and rejected bytes', () => {
  it('reads raw 16-bit LE mono PCM at the given rate (default 16 kHz)', async () => {
    const pcm = Buffer.alloc(3200 * 2);
    const tone = sine(500, 16000, 0.2, 0.25);
    tone.forEach((value, i) => pcm.writeInt16LE(Math.round(value * 32767), i * 2));
    const atDefault = await decodeAudio(pcm);
    expect(atDefault).toMatchObject({ format: 'pcm', sampleRate: 16000 });
    expect(atDefault.duration).toBeCloseTo(0.2, 6);
    expect(maxDifference(atDefault.samples, tone)).toBeLessThan(1e-4);
    const at8k = await decodeAudio(pcm, { pcmSampleRate: 8000 });
    expect(at8k.duration).toBeCloseTo(0.4, 6);
  });

  it('rejects empty input', async () => {
    await expectRejected(Buffer.alloc(0), /empty/);
  });

  it('rejects an odd number of bytes as raw PCM', async () => {
    await expectRejected(Buffer.from([1, 200, 3, 250, 5]), /odd length/);
  });

  it('rejects text', async () => {
    await expectRejected(Buffer.from('hello, this is not audio\n'.repeat(50)), /text/);
    await expectRejected(Buffer.from('{"语音": "不是音频"}'), /text/);
  });

  it('rejects PNG, JPEG, PDF, ZIP, gzip, Ogg and FLAC bytes by their signature', async () => {
    const payload = Buffer.alloc(256, 0x80);
    const signatures: [number[], RegExp][] = [
      [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], /PNG/],
      [[0xff, 0xd8, 0xff, 0xe0], /JPEG/],
      [[...Buffer.from('%PDF-1.7')], /PDF/],
      [[0x50, 0x4b, 0x03, 0x04], /ZIP/],
      [[0x1f, 0x8b, 0x08, 0x00], /gzip/],
      [[...Buffer.from('OggS')], /Ogg/],
      [[...Buffer.from('fLaC')], /FLAC/],
    ];
    for (const [magic, message] of signatures) {
      await expectRejected(Buffer.concat([Buffer.from(magic), payload]), message);
    }
  });

  it('rejects a PCM sample rate outside 8–48 kHz', async () => {
    await expect(decodeAudio(Buffer.alloc(100, 1), { pcmSampleRate: 4000 })).rejects.toThrow(
      /4000 Hz/,
    );
  });
});
