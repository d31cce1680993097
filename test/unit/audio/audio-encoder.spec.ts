import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
import { createAudioEncoder } from '../../../src/audio/audio-encoder.factory.js';
import { EncoderOptions } from '../../../src/audio/audio.types.js';
import { mp3OutputSettings } from '../../../src/audio/mp3-output-settings.js';
import { parseMpegFrameHeader } from '../../../src/audio/mpeg-frame-header.js';
import { encodeWav } from '../../../src/audio/wav.encoder.js';
import { peak, rms } from '../../support/signal-measures.js';
import { ffmpegDecode, ffprobe, sine, withTempFile } from './audio-test-helpers.js';

/** |level difference| in dB; MP3 is lossy, so levels are compared within 1 dB. */
function levelErrorDb(actual: number, expected: number): number {
  return Math.abs(20 * Math.log10(actual / expected));
}

/** Encodes `samples` in chunks of `chunkSize` and returns the chunks (including `end()`). */
async function encodeInChunks(
  options: EncoderOptions,
  samples: Float32Array,
  chunkSize: number,
): Promise<Buffer[]> {
  const encoder = await createAudioEncoder(options);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < samples.length; offset += chunkSize) {
    chunks.push(encoder.push(samples.subarray(offset, offset + chunkSize)));
  }
  chunks.push(encoder.end());
  return chunks;
}

describe('WAV encoding', () => {
  it('encodeWav writes exact sizes and round-trips duration, rate and level', async () => {
    const tone = sine(440, 24000, 1.5, 0.5);
    const wav = encodeWav({ samples: tone, sampleRate: 24000 });
    expect(wav.length).toBe(44 + tone.length * 2);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt32LE(40)).toBe(tone.length * 2);
    const decoded = await decodeAudio(wav);
    expect(decoded.sampleRate).toBe(24000);
    expect(decoded.duration).toBeCloseTo(1.5, 6);
    expect(rms(decoded.samples)).toBeCloseTo(0.5 / Math.SQRT2, 3);
    const probed = withTempFile('whole.wav', wav, ffprobe);
    expect(probed).toMatchObject({ codec: 'pcm_s16le', sampleRate: 24000, channels: 1 });
    expect(probed.duration).toBeCloseTo(1.5, 3);
  });

  it('a streamed WAV (unknown-length header + chunks) is accepted by ffprobe and sox', async () => {
    const tone = sine(300, 16000, 2, 0.4);
    const chunks = await encodeInChunks(
      { format: 'wav', sampleRate: 16000, bitRateKbps: 0 },
      tone,
      1234,
    );
    expect(chunks[0].subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(chunks[0].readUInt32LE(4)).toBe(0xffffffff);
    expect(chunks[0].readUInt32LE(40)).toBe(0xffffffff);
    const file = Buffer.concat(chunks);
    withTempFile('stream.wav', file, (path) => {
      const probed = ffprobe(path);
      expect(probed).toMatchObject({ codec: 'pcm_s16le', sampleRate: 16000, channels: 1 });
      expect(probed.duration).toBeCloseTo(2, 3);
      // sox warns about the open-ended data chunk (-V1 hides that) but must read every sample
      const stat = spawnSync('sox', ['-V1', path, '-n', 'stat'], { encoding: 'utf8' });
      expect(stat.status).toBe(0);
      expect(stat.stderr).toMatch(new RegExp(`Samples read:\\s+${tone.length}\\b`));
      expect(stat.stderr).toMatch(/Length \(seconds\):\s+2\.000000/);
      const soxInfo = execFileSync('soxi', ['-r', path], { encoding: 'utf8' });
      expect(Number(soxInfo.trim())).toBe(16000);
      const decodedBySox = execFileSync('sox', ['-V1', path, '-t', 'f32', '-'], {
        maxBuffer: 1 << 26,
      });
      expect(decodedBySox.length / 4).toBe(tone.length);
    });
  });

  it('a WAV stream with no samples is still a valid (empty) file', async () => {
    const chunks = await encodeInChunks(
      { format: 'wav', sampleRate: 24000, bitRateKbps: 0 },
      new Float32Array(0),
      10,
    );
    expect(Buffer.concat(chunks).length).toBe(44);
  });
});

describe('raw PCM encoding', () => {
  it('writes 16-bit LE mono samples only, and round-trips through decodeAudio', async () => {
    const tone = sine(440, 16000, 0.6, 0.3);
    const chunks = await encodeInChunks(
      { format: 'pcm', sampleRate: 16000, bitRateKbps: 0 },
      tone,
      999,
    );
    const pcm = Buffer.concat(chunks);
    expect(pcm.length).toBe(tone.length * 2);
    const decoded = await decodeAudio(pcm, { pcmSampleRate: 16000 });
    expect(decoded.duration).toBeCloseTo(0.6, 6);
    let maxDiff = 0;
    tone.forEach((value, i) => (maxDiff = Math.max(maxDiff, Math.abs(value - decoded.samples[i]))));
    expect(maxDiff).toBeLessThanOrEqual(1 / 32768);
  });

  it('clips out-of-range floats to full scale instead of wrapping around', async () => {
    const encoder = await createAudioEncoder({ format: 'pcm', sampleRate: 16000, bitRateKbps: 0 });
    const pcm = encoder.push(Float32Array.from([1.5, -1.5, 1, -1, 0.99999]));
    expect([0, 1, 2, 3, 4].map((i) => pcm.readInt16LE(i * 2))).toEqual([
      32767, -32768, 32767, -32768, 32767,
    ]);
  });
});

describe('MP3 encoding', () => {
  it('a streamed MP3 (many small chunks) is one valid file for ffprobe and ffmpeg', async () => {
    const tone = sine(440, 24000, 3, 0.5);
    const chunks = await encodeInChunks(
      { format: 'mp3', sampleRate: 24000, bitRateKbps: 128 },
      tone,
      480,
    );
    const file = Buffer.concat(chunks);
    withTempFile('stream.mp3', file, (path) => {
      const probed = ffprobe(path);
      expect(probed).toMatchObject({
        codec: 'mp3',
        sampleRate: 24000,
        channels: 1,
        bitRate: 128000,
      });
      // LAME adds about one frame of delay and padding; no Xing tag trims it
      expect(probed.duration).toBeGreaterThan(2.99);
      expect(probed.duration).toBeLessThan(3.15);
      const decodedByFfmpeg = ffmpegDecode(path);
      expect(levelErrorDb(rms(decodedByFfmpeg, 2400, 60000), 0.5 / Math.SQRT2)).toBeLessThan(1);
    });
  });

  it('round-trips through decodeAudio with the requested rate, duration and level', async () => {
    const tone = sine(1000, 44100, 2, 0.25);
    const chunks = await encodeInChunks(
      { format: 'mp3', sampleRate: 44100, bitRateKbps: 192 },
      tone,
      4410,
    );
    const decoded = await decodeAudio(Buffer.concat(chunks));
    expect(decoded.format).toBe('mp3');
    expect(decoded.sampleRate).toBe(44100);
    expect(decoded.duration).toBeGreaterThan(1.99);
    expect(decoded.duration).toBeLessThan(2.1);
    expect(levelErrorDb(rms(decoded.samples, 4410, 80000), 0.25 / Math.SQRT2)).toBeLessThan(1);
  });

  it('encodes each API bit rate at the documented (rate, bit rate) pair', async () => {
    const cases: [number, number, number, number][] = [
      // requested rate, requested kbit/s, written rate, written kbit/s
      [24000, 192, 24000, 160],
      [24000, 16, 24000, 48],
      [16000, 32, 16000, 32],
      [48000, 384, 48000, 320],
      [44100, 320, 44100, 320],
      [22050, 64, 22050, 64],
      [8000, 16, 8000, 16],
    ];
    const tone = sine(440, 48000, 0.5, 0.5);
    for (const [rate, kbps, expectedRate, expectedKbps] of cases) {
      expect(mp3OutputSettings(rate, kbps)).toEqual({
        sampleRate: expectedRate,
        bitRateKbps: expectedKbps,
      });
      const input = tone.subarray(0, Math.round(rate / 2));
      const file = Buffer.concat(
        await encodeInChunks({ format: 'mp3', sampleRate: rate, bitRateKbps: kbps }, input, 5000),
      );
      const probed = withTempFile('rate.mp3', file, ffprobe);
      expect([probed.sampleRate, probed.bitRate]).toEqual([expectedRate, expectedKbps * 1000]);
    }
  });

  it('every MPEG rate with every API bit rate writes only frames of the mapped pair', async () => {
    // ffprobe checks a sample of pairs above; here every frame header of every pair is read
    const mpegRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
    const apiKbps = [16, 32, 48, 64, 128, 192, 256, 320, 384];
    for (const rate of mpegRates) {
      const input = sine(440, rate, 0.2, 0.5);
      for (const kbps of apiKbps) {
        const expected = mp3OutputSettings(rate, kbps);
        const file = Buffer.concat(
          await encodeInChunks({ format: 'mp3', sampleRate: rate, bitRateKbps: kbps }, input, 4096),
        );
        const frames: string[] = [];
        for (let offset = 0; offset < file.length;) {
          const header = parseMpegFrameHeader(file, offset);
          if (!header) throw new Error(`no MPEG frame at byte ${offset} (${rate} Hz, ${kbps}k)`);
          frames.push(`${header.sampleRate}/${header.bitRateKbps}`);
          offset += header.frameLength;
        }
        expect(frames.length).toBeGreaterThan(3);
        expect({ rate, kbps, frames: new Set(frames) }).toEqual({
          rate,
          kbps,
          frames: new Set([`${expected.sampleRate}/${expected.bitRateKbps}`]),
        });
      }
    }
  });

  it('encoders running side by side do not share state', async () => {
    const low = sine(220, 24000, 1, 0.4);
    const high = sine(1500, 24000, 1, 0.2);
    const options: EncoderOptions = { format: 'mp3', sampleRate: 24000, bitRateKbps: 64 };
    const alone = [
      Buffer.concat(await encodeInChunks(options, low, 960)),
      Buffer.concat(await encodeInChunks(options, high, 960)),
    ];
    const [first, second] = [await createAudioEncoder(options), await createAudioEncoder(options)];
    const interleaved: [Buffer[], Buffer[]] = [[], []];
    for (let offset = 0; offset < low.length; offset += 960) {
      interleaved[0].push(first.push(low.subarray(offset, offset + 960)));
      interleaved[1].push(second.push(high.subarray(offset, offset + 960)));
    }
    interleaved[0].push(first.end());
    interleaved[1].push(second.end());
    expect(Buffer.concat(interleaved[0]).equals(alone[0])).toBe(true);
    expect(Buffer.concat(interleaved[1]).equals(alone[1])).toBe(true);
  });

  it('clips samples beyond full scale instead of encoding them louder than full scale', async () => {
    const tooLoud = sine(440, 24000, 1, 1.5);
    const file = Buffer.concat(
      await encodeInChunks({ format: 'mp3', sampleRate: 24000, bitRateKbps: 128 }, tooLoud, 960),
    );
    const decoded = withTempFile('loud.mp3', file, ffmpegDecode);
    // a clipped sine decodes near full scale (MP3 ringing adds a few percent), not near 1.5
    expect(peak(decoded)).toBeGreaterThan(0.9);
    expect(peak(decoded)).toBeLessThan(1.15);
  });

  it('resamples a non-MPEG rate to the nearest MPEG rate internally', async () => {
    expect(mp3OutputSettings(36000, 128)).toEqual({ sampleRate: 32000, bitRateKbps: 128 });
    const tone = sine(440, 36000, 1, 0.5);
    const file = Buffer.concat(
      await encodeInChunks({ format: 'mp3', sampleRate: 36000, bitRateKbps: 128 }, tone, 3000),
    );
    const decoded = await decodeAudio(file);
    expect(decoded.sampleRate).toBe(32000);
    expect(decoded.duration).toBeGreaterThan(0.99);
    expect(decoded.duration).toBeLessThan(1.1);
    expect(peak(decoded.samples)).toBeGreaterThan(0.45);
  });
});
