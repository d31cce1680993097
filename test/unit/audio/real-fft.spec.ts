import { describe, expect, it } from 'vitest';
import { RealFft } from '../../../src/audio/real-fft.js';

function naiveDft(frame: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = frame.length;
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    for (let j = 0; j < n; j++) {
      re[k] += frame[j] * Math.cos((2 * Math.PI * j * k) / n);
      im[k] -= frame[j] * Math.sin((2 * Math.PI * j * k) / n);
    }
  }
  return { re, im };
}

describe('RealFft', () => {
  // 400, 512, 1920 and 16 are the sizes the frontend and vocoder use; 14 and 98 exercise the
  // generic butterfly (factor 7), 6 and 10 the radix-3 and radix-5 ones on their own
  for (const size of [2, 6, 10, 14, 16, 98, 400, 512, 1920]) {
    it(`matches a direct DFT for ${size} points within 1e-9 relative`, () => {
      const frame = Float64Array.from(
        { length: size },
        (_, i) => Math.sin(i * 1.7) + (i % 5) * 0.1,
      );
      const fft = new RealFft(size);
      const re = new Float64Array(fft.bins);
      const im = new Float64Array(fft.bins);
      fft.forward(frame, re, im);
      const expected = naiveDft(frame);
      const scale = frame.reduce((sum, value) => sum + Math.abs(value), 0);
      for (let k = 0; k < fft.bins; k++) {
        expect(Math.abs(re[k] - expected.re[k]) / scale).toBeLessThan(1e-9);
        expect(Math.abs(im[k] - expected.im[k]) / scale).toBeLessThan(1e-9);
      }
    });
  }

  it('rejects odd sizes', () => {
    expect(() => new RealFft(401)).toThrow(RangeError);
  });
});
