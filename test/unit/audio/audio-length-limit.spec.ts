import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioDecodeError, AudioTooLongError } from '../../../src/audio/audio-decode.error.js';
import { decodeAudio, MP3_SCAN_MARGIN_SECONDS } from '../../../src/audio/audio-decoder.js';
import { scanMp3Frames } from '../../../src/audio/mp3-frame-scan.js';
import { decodeMp3 } from '../../../src/audio/mp3.decoder.js';
import { ffmpegTone } from './audio-test-helpers.js';
import { writeWav } from './wav-writer.js';

vi.mock('../../../src/audio/mp3.decoder.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/audio/mp3.decoder.js')>();
  return { decodeMp3: vi.fn(real.decodeMp3) };
});

/** A tone MP3 made by ffmpeg: `seconds` long at `bitRate` and `sampleRate`. */
function toneMp3(seconds: number, bitRate: string, sampleRate: number): Buffer {
  return ffmpegTone('mp3', [
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=300:sample_rate=${sampleRate}:duration=${seconds}`,
    '-b:a',
    bitRate,
  ]);
}

// 10 minutes at 8 kbit/s in 600 KB: a size limit does not bound an MP3's length.
const LONG_MP3 = toneMp3(600, '8k', 8000);

beforeEach(() => {
  vi.mocked(decodeMp3).mockClear();
});

describe('audio longer than the limit is refused before it is decoded', () => {
  it('an MP3 bomb (10 min at 8 kbit/s): refused from its frame headers, the decoder never runs', async () => {
    expect(LONG_MP3.length).toBeLessThan(700_000);
    const attempt = decodeAudio(LONG_MP3, { maxSeconds: 30 });
    await expect(attempt).rejects.toBeInstanceOf(AudioTooLongError);
    await expect(attempt).rejects.toMatchObject({ atLeast: false, maxSeconds: 30 });
    const error = (await attempt.catch((caught: unknown) => caught)) as AudioTooLongError;
    expect(error.durationSeconds).toBeGreaterThan(599);
    expect(error.durationSeconds).toBeLessThan(601);
    expect(decodeMp3).not.toHaveBeenCalled();
  });

  it('the frame scan measures what the decoder decodes, within the margin (CBR, VBR, MPEG-1 and -2.5)', async () => {
    const files = [
      toneMp3(2, '64k', 44100),
      toneMp3(3, '8k', 8000),
      ffmpegTone('mp3', [
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=300:sample_rate=16000:duration=2.5',
        '-q:a',
        '4',
      ]),
    ];
    for (const mp3 of files) {
      const scan = scanMp3Frames(mp3);
      const decoded = await decodeAudio(mp3);
      // the headers count the encoder's delay and padding frames, which the decoder trims
      expect(scan.durationSeconds - decoded.duration).toBeGreaterThanOrEqual(0);
      expect(scan.durationSeconds - decoded.duration).toBeLessThan(MP3_SCAN_MARGIN_SECONDS);
      expect(scan.frameBytes / scan.payloadBytes).toBeGreaterThan(0.95);
    }
  });

  it('the MP3 decoder itself stops at the limit instead of decoding the whole file', async () => {
    const attempt = decodeMp3(LONG_MP3, 30);
    await expect(attempt).rejects.toBeInstanceOf(AudioTooLongError);
    const error = (await attempt.catch((caught: unknown) => caught)) as AudioTooLongError;
    expect(error.atLeast).toBe(true);
    // stopped within one fed chunk (16 KiB = 16 s at 8 kbit/s) of the limit, not at 600 s
    expect(error.durationSeconds).toBeGreaterThan(30);
    expect(error.durationSeconds).toBeLessThan(50);
  });

  it('WAV and raw PCM: refused from their size, before any sample is converted', async () => {
    const wav = writeWav([new Float32Array(8000 * 31)], 8000, 'u8');
    await expect(decodeAudio(wav, { maxSeconds: 30 })).rejects.toMatchObject({
      name: 'AudioTooLongError',
      durationSeconds: 31,
    });
    const pcm = Buffer.alloc(16000 * 2 * 31, 1);
    await expect(decodeAudio(pcm, { maxSeconds: 30 })).rejects.toMatchObject({
      name: 'AudioTooLongError',
      durationSeconds: 31,
    });
  });
});

describe('MP3 data that is not mostly frames', () => {
  it('an ID3 tag followed by random bytes is refused, though random bytes hold stray frame headers', async () => {
    const tag = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...Buffer.alloc(10)]);
    // deterministic "random" bytes (xorshift), 300 KB
    const noise = Buffer.alloc(300_000);
    let state = 0x9e3779b9;
    for (let i = 0; i < noise.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      noise[i] = state & 0xff;
    }
    const attempt = decodeAudio(Buffer.concat([tag, noise]));
    await expect(attempt).rejects.toBeInstanceOf(AudioDecodeError);
    await expect(attempt).rejects.toThrow(/MP3.*(no MPEG audio frames|of its bytes are MPEG)/);
    expect(decodeMp3).not.toHaveBeenCalled();
  });

  it('an ID3 tag with nothing after it: no frames', async () => {
    const tag = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...Buffer.alloc(10)]);
    await expect(decodeAudio(tag)).rejects.toThrow(/no MPEG audio frames/);
  });
});
