import { describe, expect, it } from 'vitest';
import { createAudioEncoder } from '../../../src/audio/audio-encoder.factory.js';
import type { EncoderOptions } from '../../../src/audio/audio.types.js';
import { oggCrc32 } from '../../../src/audio/ogg-page.js';
import { floatToInt16 } from '../../../src/audio/sample-conversion.js';
import { correlation, rms } from '../../support/signal-measures.js';
import { ffmpegDecode, ffmpegTone, ffprobe, sine, withTempFile } from './audio-test-helpers.js';

/** Encodes `samples` in chunks of `chunkSize` (the whole signal at once when omitted). */
async function encode(
  options: Omit<EncoderOptions, 'bitRateKbps'>,
  samples: Float32Array,
  chunkSize = samples.length,
): Promise<Buffer[]> {
  const encoder = await createAudioEncoder({ ...options, bitRateKbps: 192 });
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < samples.length; offset += chunkSize) {
    chunks.push(encoder.push(samples.subarray(offset, offset + chunkSize)));
  }
  chunks.push(encoder.end());
  return chunks;
}

interface OggPage {
  headerType: number;
  granulePosition: bigint;
  sequence: number;
  crc: number;
  computedCrc: number;
  packets: Buffer[];
}

/** Splits an Ogg file into its pages (RFC 3533), recomputing each page's CRC. */
function oggPages(file: Buffer): OggPage[] {
  const pages: OggPage[] = [];
  let offset = 0;
  while (offset < file.length) {
    expect(file.subarray(offset, offset + 4).toString('latin1')).toBe('OggS');
    const segments = file[offset + 26];
    const table = [...file.subarray(offset + 27, offset + 27 + segments)];
    const length = 27 + segments + table.reduce((sum, value) => sum + value, 0);
    const page = Buffer.from(file.subarray(offset, offset + length));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    const packets: Buffer[] = [];
    let data = 27 + segments;
    let packetStart = data;
    for (const value of table) {
      data += value;
      if (value < 255) {
        packets.push(page.subarray(packetStart, data));
        packetStart = data;
      }
    }
    pages.push({
      headerType: page[5],
      granulePosition: page.readBigUInt64LE(6),
      sequence: page.readUInt32LE(18),
      crc,
      computedCrc: oggCrc32(page),
      packets,
    });
    offset += length;
  }
  return pages;
}

function levelErrorDb(actual: number, expected: number): number {
  return Math.abs(20 * Math.log10(actual / expected));
}

describe('Opus in Ogg encoding', () => {
  it('oggCrc32 matches the CRC of every page of an Ogg file written by ffmpeg', () => {
    const file = ffmpegTone('ogg', ['-f', 'lavfi', '-i', 'sine=f=440:d=1', '-c:a', 'libopus']);
    const pages = oggPages(file);
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) {
      expect(page.computedCrc).toBe(page.crc);
    }
  });

  it.each([
    ['streamed in 10 ms chunks', 240],
    ['whole', undefined],
  ])('24 kHz %s: ffmpeg decodes exactly the pushed samples at 48 kHz', async (_, chunk) => {
    const tone = sine(440, 24000, 1.37, 0.5);
    const file = Buffer.concat(await encode({ format: 'opus', sampleRate: 24000 }, tone, chunk));
    withTempFile('speech.ogg', file, (path) => {
      const probed = ffprobe(path);
      expect(probed).toMatchObject({ codec: 'opus', sampleRate: 48000, channels: 1 });
      // ffprobe's duration is the last granule position, which includes the 6.5 ms pre-skip
      expect(probed.duration).toBeGreaterThanOrEqual(1.37);
      expect(probed.duration).toBeLessThan(1.38);
      const decoded = ffmpegDecode(path);
      expect(decoded.length).toBe(tone.length * 2);
      expect(levelErrorDb(rms(decoded, 4800, 60000), 0.5 / Math.SQRT2)).toBeLessThan(1);
    });
  });

  it.each([
    ['a 440 Hz tone', sine(440, 24000, 1, 0.5), sine(440, 48000, 1, 0.5)],
    ['a 3 kHz tone near full scale', sine(3000, 24000, 1, 0.95), sine(3000, 48000, 1, 0.95)],
  ])(
    '%s decodes (ffmpeg) to the same waveform: correlation >= 0.9, level within 1 dB',
    async (_, tone, at48k) => {
      const file = Buffer.concat(await encode({ format: 'opus', sampleRate: 24000 }, tone, 480));
      withTempFile('speech.ogg', file, (path) => {
        const decoded = ffmpegDecode(path);
        expect(correlation(decoded, at48k)).toBeGreaterThanOrEqual(0.9);
        expect(levelErrorDb(rms(decoded), rms(at48k))).toBeLessThan(1);
      });
    },
  );

  it('digital silence decodes to silence', async () => {
    const file = Buffer.concat(
      await encode({ format: 'opus', sampleRate: 24000 }, new Float32Array(24000), 480),
    );
    withTempFile('silence.ogg', file, (path) => {
      expect(rms(ffmpegDecode(path))).toBeLessThan(1e-3);
    });
  });

  it('writes OpusHead, OpusTags and audio pages with valid CRCs, 48 kHz granules and pre-skip', async () => {
    const tone = sine(300, 24000, 2, 0.4);
    const chunks = await encode({ format: 'opus', sampleRate: 24000 }, tone, 4800);
    expect(chunks[0].subarray(0, 4).toString('latin1')).toBe('OggS');
    const pages = oggPages(Buffer.concat(chunks));
    expect(pages.map((page) => page.sequence)).toEqual(pages.map((_, index) => index));
    expect(pages.every((page) => page.computedCrc === page.crc)).toBe(true);
    const [head, tags, ...audio] = pages;
    expect(head.headerType).toBe(0x02);
    expect(head.packets).toHaveLength(1);
    const opusHead = head.packets[0];
    expect(opusHead.subarray(0, 8).toString('latin1')).toBe('OpusHead');
    expect(opusHead[8]).toBe(1);
    expect(opusHead[9]).toBe(1);
    const preSkip = opusHead.readUInt16LE(10);
    expect(preSkip).toBe(312);
    expect(opusHead.readUInt32LE(12)).toBe(24000);
    expect(tags.packets[0].subarray(0, 8).toString('latin1')).toBe('OpusTags');
    expect(tags.granulePosition).toBe(0n);
    const last = audio[audio.length - 1];
    expect(last.headerType).toBe(0x04);
    expect(last.granulePosition).toBe(BigInt(preSkip + tone.length * 2));
    const granules = audio.map((page) => page.granulePosition);
    expect([...granules].sort((a, b) => (a < b ? -1 : 1))).toEqual(granules);
  });

  it('resamples a rate libopus lacks (22050 Hz) and keeps the duration', async () => {
    const tone = sine(440, 22050, 1, 0.5);
    const file = Buffer.concat(await encode({ format: 'opus', sampleRate: 22050 }, tone, 1000));
    withTempFile('speech.ogg', file, (path) => {
      expect(ffprobe(path)).toMatchObject({ codec: 'opus', sampleRate: 48000 });
      expect(Math.abs(ffmpegDecode(path).length - 48000)).toBeLessThanOrEqual(8);
    });
  });

  it('keeps encoding after many later encoders made the codec memory grow', async () => {
    const tone = sine(440, 48000, 0.5, 0.5);
    const encoder = await createAudioEncoder({ format: 'opus', sampleRate: 48000, bitRateKbps: 0 });
    const first = encoder.push(tone);
    const others = await Promise.all(
      Array.from({ length: 500 }, () =>
        createAudioEncoder({ format: 'opus', sampleRate: 48000, bitRateKbps: 0 }),
      ),
    );
    const file = Buffer.concat([first, encoder.push(tone), encoder.end()]);
    others.forEach((other) => other.end());
    withTempFile('speech.ogg', file, (path) => {
      expect(ffmpegDecode(path).length).toBe(tone.length * 2);
    });
  });

  it('an Opus stream with no samples is still a valid (empty) file', async () => {
    const file = Buffer.concat(
      await encode({ format: 'opus', sampleRate: 24000 }, new Float32Array(0)),
    );
    withTempFile('empty.ogg', file, (path) => {
      expect(ffprobe(path)).toMatchObject({ codec: 'opus', channels: 1 });
      expect(ffmpegDecode(path).length).toBe(0);
    });
  });
});

describe('FLAC encoding', () => {
  it.each([
    [24000, 'streamed in 10 ms chunks', 240],
    [44100, 'streamed in odd chunks', 1234],
    [16000, 'whole', undefined],
  ])('%i Hz %s: lossless, with the right rate and length', async (rate, _, chunk) => {
    const tone = sine(440, rate, 1.37, 0.5);
    const chunks = await encode({ format: 'flac', sampleRate: rate }, tone, chunk);
    expect(chunks[0].subarray(0, 4).toString('latin1')).toBe('fLaC');
    withTempFile('speech.flac', Buffer.concat(chunks), (path) => {
      expect(ffprobe(path)).toMatchObject({ codec: 'flac', sampleRate: rate, channels: 1 });
      const decoded = floatToInt16(ffmpegDecode(path));
      expect(decoded.length).toBe(tone.length);
      expect(decoded).toEqual(floatToInt16(tone));
    });
  });
});
