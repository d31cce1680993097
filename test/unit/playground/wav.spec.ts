import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
import { encodeWav as encodeServerWav } from '../../../src/audio/wav.encoder.js';
import { PcmStreamReader } from '../../../web/src/pcm-stream.js';
import { encodeWav, readWavHeader, withExactWavLengths, wrapPcm16 } from '../../../web/src/wav.js';

const tone = (length: number): Float32Array =>
  Float32Array.from({ length }, (_, n) => 0.5 * Math.sin(n / 7));

/** A WAV as the service streams it: both length fields say "unknown" (0xFFFFFFFF). */
function streamedWav(samples: Float32Array, sampleRate: number): Uint8Array {
  const bytes = new Uint8Array(encodeServerWav({ samples, sampleRate }));
  const view = new DataView(bytes.buffer);
  view.setUint32(4, 0xffffffff, true);
  view.setUint32(40, 0xffffffff, true);
  return bytes;
}

describe('the playground WAV helpers', () => {
  it('writes a 16-bit mono WAV that the service decodes to the same samples', async () => {
    const samples = tone(24000);
    const audio = await decodeAudio(Buffer.from(encodeWav(samples, 24000)));
    expect(audio.sampleRate).toBe(24000);
    expect(audio.samples.length).toBe(24000);
    expect(Math.max(...audio.samples.map((value, n) => Math.abs(value - samples[n])))).toBeLessThan(
      1e-4,
    );
  });

  it('wraps raw 16-bit PCM at its rate', async () => {
    const pcm = new Uint8Array(16000 * 2);
    const audio = await decodeAudio(Buffer.from(wrapPcm16(pcm, 8000)));
    expect(audio.duration).toBe(2);
  });

  it('gives a streamed WAV exact length fields', () => {
    const fixed = withExactWavLengths(streamedWav(tone(1000), 16000));
    const view = new DataView(fixed.buffer);
    expect(view.getUint32(4, true)).toBe(fixed.length - 8);
    expect(view.getUint32(40, true)).toBe(2000);
  });

  it('waits for the data chunk before it reads the header', () => {
    const wav = streamedWav(tone(10), 24000);
    expect(readWavHeader(wav.subarray(0, 30))).toBeUndefined();
    expect(readWavHeader(wav)).toEqual({
      sampleRate: 24000,
      channels: 1,
      bitsPerSample: 16,
      dataOffset: 44,
    });
    expect(() => readWavHeader(new TextEncoder().encode('ID3 not a wave file'))).toThrow(
      /not a WAV/,
    );
  });

  it('reads streamed samples across chunks that split the header and a sample', () => {
    const samples = tone(500);
    const wav = streamedWav(samples, 24000);
    const reader = new PcmStreamReader('wav');
    const cuts = [0, 20, 45, 46, 301, wav.length];
    const read: number[] = [];
    for (let i = 1; i < cuts.length; i++) {
      read.push(...reader.push(wav.subarray(cuts[i - 1], cuts[i])));
    }
    expect(read.length).toBe(500);
    expect(Math.max(...read.map((value, n) => Math.abs(value - samples[n])))).toBeLessThan(1e-4);
  });

  it('reads raw pcm chunks with an odd byte carried over', () => {
    const reader = new PcmStreamReader('pcm');
    expect(reader.push(new Uint8Array([0x00, 0x40, 0x00])).length).toBe(1);
    expect([...reader.push(new Uint8Array([0xc0]))]).toEqual([-0.5]);
  });
});
