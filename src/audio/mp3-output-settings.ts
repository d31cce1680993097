/**
 * How a requested (sample rate, bit rate) becomes what the MP3 encoder writes.
 *
 * Sample rate first: the output rate is the MPEG rate nearest to the request (ties go up) out of
 * 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000 Hz. If it differs from the
 * request, the encoder resamples internally (callers always pass samples at the requested rate).
 *
 * Then the bit rate: the request is clamped to 16–320 kbit/s (so 384k is encoded at 320k), then
 * to the range below for that rate, and rounded to the nearest bit rate of the MPEG version that
 * the encoder accepts (ties go up; 56 and 144 kbit/s are not offered by `wasm-media-encoders`).
 * The lower bounds are where stock LAME would still keep the rate rather than drop to a lower
 * one; the encoder pins the output rate anyway, so they serve as a quality floor:
 *
 * | rate (Hz)          | MPEG | kbit/s     |
 * | ------------------ | ---- | ---------- |
 * | 8000               | 2.5  | 8 – 64     |
 * | 11025, 12000       | 2.5  | 16 – 64    |
 * | 16000              | 2    | 16 – 160   |
 * | 22050              | 2    | 32 – 160   |
 * | 24000              | 2    | 48 – 160   |
 * | 32000              | 1    | 48 – 320   |
 * | 44100, 48000       | 1    | 64 – 320   |
 *
 * Example: the API default, 24000 Hz at 192k, is written as 24000 Hz at 160 kbit/s.
 */

/** MPEG-1 layer III bit rates (kbit/s) the encoder accepts. */
const MPEG1_KBPS = [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
/** MPEG-2 and MPEG-2.5 layer III bit rates (kbit/s) the encoder accepts. */
const MPEG2_KBPS = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160] as const;

export type Mp3BitRateKbps = (typeof MPEG1_KBPS)[number] | (typeof MPEG2_KBPS)[number];

/** The sample rates (Hz) of MPEG-1, MPEG-2 and MPEG-2.5 layer III. */
export type MpegSampleRate = 8000 | 11025 | 12000 | 16000 | 22050 | 24000 | 32000 | 44100 | 48000;

export interface Mp3OutputSettings {
  sampleRate: MpegSampleRate;
  bitRateKbps: Mp3BitRateKbps;
}

export const MIN_MP3_BIT_RATE_KBPS = 16;
export const MAX_MP3_BIT_RATE_KBPS = 320;

interface MpegRate {
  sampleRate: MpegSampleRate;
  bitRates: readonly Mp3BitRateKbps[];
  minKbps: number;
  maxKbps: number;
}

const MPEG_RATES: MpegRate[] = [
  { sampleRate: 8000, bitRates: MPEG2_KBPS, minKbps: 8, maxKbps: 64 },
  { sampleRate: 11025, bitRates: MPEG2_KBPS, minKbps: 16, maxKbps: 64 },
  { sampleRate: 12000, bitRates: MPEG2_KBPS, minKbps: 16, maxKbps: 64 },
  { sampleRate: 16000, bitRates: MPEG2_KBPS, minKbps: 16, maxKbps: 160 },
  { sampleRate: 22050, bitRates: MPEG2_KBPS, minKbps: 32, maxKbps: 160 },
  { sampleRate: 24000, bitRates: MPEG2_KBPS, minKbps: 48, maxKbps: 160 },
  { sampleRate: 32000, bitRates: MPEG1_KBPS, minKbps: 48, maxKbps: 320 },
  { sampleRate: 44100, bitRates: MPEG1_KBPS, minKbps: 64, maxKbps: 320 },
  { sampleRate: 48000, bitRates: MPEG1_KBPS, minKbps: 64, maxKbps: 320 },
];

/** Every sample rate an MP3 can carry, ascending. */
export const MPEG_SAMPLE_RATES: readonly MpegSampleRate[] = MPEG_RATES.map(
  (rate) => rate.sampleRate,
);

function nearest<T>(items: readonly T[], distance: (item: T) => number): T {
  let best = items[0];
  for (const item of items) {
    // `<=` lets the later (higher) entry win ties
    if (distance(item) <= distance(best)) best = item;
  }
  return best;
}

export function mp3OutputSettings(sampleRate: number, bitRateKbps: number): Mp3OutputSettings {
  if (!(sampleRate > 0) || !(bitRateKbps > 0)) {
    throw new RangeError(`invalid MP3 settings: ${sampleRate} Hz, ${bitRateKbps} kbit/s`);
  }
  const rate = nearest(MPEG_RATES, (candidate) => Math.abs(candidate.sampleRate - sampleRate));
  const requested = Math.min(MAX_MP3_BIT_RATE_KBPS, Math.max(MIN_MP3_BIT_RATE_KBPS, bitRateKbps));
  const allowed = rate.bitRates.filter((kbps) => kbps >= rate.minKbps && kbps <= rate.maxKbps);
  return {
    sampleRate: rate.sampleRate,
    bitRateKbps: nearest(allowed, (kbps) => Math.abs(kbps - requested)),
  };
}
