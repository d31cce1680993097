import { describe, expect, it } from 'vitest';
import { WavStreamEncoder, withExactWavSizes } from '../../../src/audio/wav.encoder.js';

describe('withExactWavSizes', () => {
  it('turns a WavStreamEncoder stream into a file with exact RIFF and data sizes', () => {
    const encoder = new WavStreamEncoder(16000);
    const stream = Buffer.concat([
      encoder.push(new Float32Array(100).fill(0.5)),
      encoder.push(new Float32Array(50)),
      encoder.end(),
    ]);
    expect(stream.readUInt32LE(4)).toBe(0xffffffff);
    const file = withExactWavSizes(stream);
    expect(file.length).toBe(44 + 300);
    expect(file.readUInt32LE(4)).toBe(36 + 300);
    expect(file.readUInt32LE(40)).toBe(300);
    expect(file.subarray(44)).toEqual(stream.subarray(44));
  });

  it('refuses bytes that are not such a stream', () => {
    expect(() =>
      withExactWavSizes(Buffer.from('ID3 not a wav at all, not a wav at all....')),
    ).toThrow('not the output of WavStreamEncoder');
  });
});
