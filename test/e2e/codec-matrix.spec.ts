import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OutputAudioFormat } from '../../src/audio/audio.types.js';
import { resample } from '../../src/audio/resampler.js';
import { floatToInt16 } from '../../src/audio/sample-conversion.js';
import {
  INFERENCE_PROVIDER,
  type InferenceProvider,
} from '../../src/inference/inference.provider.js';
import { ENGINE_SAMPLE_RATE } from '../../src/inference/inference.types.js';
import { FakeInferenceProvider } from '../support/fake-inference.provider.js';
import {
  chromiumDecode,
  espeakSpeech,
  ffmpegFloat,
  ffmpegInt16,
  ffprobeStream,
} from '../support/independent-decoders.js';
import { CHROMIUM_PATH, HEADLESS_FLAGS } from '../support/playground-browser.js';
import { correlation, rms } from '../support/signal-measures.js';
import { uploadVoice } from '../support/speech-clients.js';
import {
  SYNTHESIS_TRANSPORTS,
  type SynthesisCase,
  type SynthesisTransport,
} from '../support/synthesis-transports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { prepareTinyPack } from '../support/tiny-pack.js';
import { chromium } from 'playwright-core';

/**
 * The grid. Every output format on every transport, at the default sample rate (24 kHz) and at
 * 48 kHz where the transport has `sample_rate` (OpenAI's route is always 24 kHz), with the
 * default bit rates (MP3 192k → 160 kbit/s at 24 kHz and 192 kbit/s at 48 kHz, Opus 64 kbit/s),
 * for each signal below played by the fake engine. Each answer is decoded by ffmpeg and compared
 * with the same synthesis asked for as raw PCM on the same transport and rate:
 * - pcm: at 24 kHz exactly the signal as 16-bit samples; at 48 kHz exactly the documented
 *   resampling (`resample`, torchaudio's windowed sinc) of it;
 * - wav, flac (lossless): sample-exact equal to the pcm answer;
 * - mp3, opus (lossy): correlation ≥ 0.9 and RMS level within 1 dB of the pcm answer, silence
 *   decoding to silence (peak below −80 dBFS). MP3 carries no gapless header, so every MP3
 *   decoder starts it 1105 samples late (LAME's 576-sample encoder delay + the 529-sample
 *   decoder delay, at any rate); it is compared at that lag. Opus is trimmed by its pre-skip and
 *   last granule position, so it is compared as it is, length included.
 * Left out of the grid: MP3 at 8 kHz / 8 kbit/s (speech keeps only its band below ~2.5 kHz, its
 * waveform is not what the correlation measures) and full-scale noise through the lossy codecs
 * (they keep a noise's spectrum, not its waveform); full-scale noise is checked on the lossless
 * formats, where it exercises every 16-bit value range and the clipping at full scale.
 */
const LOSSLESS: readonly OutputAudioFormat[] = ['wav', 'flac'];
const LOSSY: readonly OutputAudioFormat[] = ['mp3', 'opus'];
const RATES = [24000, 48000] as const;
const MIN_CORRELATION = 0.9;
const MAX_LEVEL_DIFFERENCE_DB = 1;
/** −80 dBFS. */
const SILENCE_PEAK = 1e-4;
/** Samples by which every decoder starts an MP3 without a gapless header late. */
const MP3_DELAY = 1105;

interface TestSignal {
  name: string;
  samples: Float32Array;
  /** Compared through the lossy codecs too (see the grid above). */
  lossy: boolean;
}

function tone(frequency: number, amplitude: number, seconds: number): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * ENGINE_SAMPLE_RATE) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / ENGINE_SAMPLE_RATE),
  );
}

/** Deterministic full-scale white noise (uniform in [-1, 1], with values beyond it clipped). */
function fullScaleNoise(seconds: number): Float32Array {
  let state = 12345;
  return Float32Array.from({ length: Math.round(seconds * ENGINE_SAMPLE_RATE) }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 2 ** 31 - 1) * 1.05;
  });
}

function levelDb(decoded: Float32Array, reference: Float32Array): number {
  return 20 * Math.log10(rms(decoded) / rms(reference));
}

function peak(samples: Float32Array): number {
  let max = 0;
  for (const value of samples) max = Math.max(max, Math.abs(value));
  return max;
}

function int16ToFloat(samples: Int16Array): Float32Array {
  return Float32Array.from(samples, (value) => value / 32768);
}

/**
 * Chromium's floats back to the 16-bit samples of the file: it maps a sample v to v / 32767 when
 * positive and v / 32768 when negative.
 */
function chromiumToInt16(samples: Float32Array): Int16Array {
  return Int16Array.from(samples, (value) => Math.round(value * (value > 0 ? 32767 : 32768)));
}

/** How many samples differ (a length difference counts as that many); 0 = sample-exact. */
function mismatches(actual: Int16Array, expected: Int16Array): number {
  let count = Math.abs(actual.length - expected.length);
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) count++;
  }
  return count;
}

function pcmSamples(bytes: Buffer): Int16Array {
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Asserts a lossy decoding against its PCM reference; `label` names the cell of the grid. */
function expectLossyMatch(
  label: string,
  decoded: Float32Array,
  reference: Float32Array,
  silent: boolean,
): void {
  if (silent) {
    expect(peak(decoded), `${label}: silence`).toBeLessThan(SILENCE_PEAK);
    return;
  }
  expect(correlation(decoded, reference), `${label}: correlation`).toBeGreaterThanOrEqual(
    MIN_CORRELATION,
  );
  const level = levelDb(decoded.subarray(0, reference.length), reference);
  expect(Math.abs(level), `${label}: level ${level.toFixed(2)} dB`).toBeLessThanOrEqual(
    MAX_LEVEL_DIFFERENCE_DB,
  );
}

describe('every output format on every transport, decoded independently and compared with raw PCM', () => {
  const engine = new FakeInferenceProvider();
  const signals: TestSignal[] = [];
  let app: TestApp;
  let voice: string;

  beforeAll(async () => {
    app = await startTestApp({ MODEL_DIR: await prepareTinyPack() });
    voice = await uploadVoice(app, 180, '希望你以后能够做得比我还好哟');
    const speech = await espeakSpeech('The quick brown fox.', ENGINE_SAMPLE_RATE);
    signals.push(
      { name: 'speech', samples: speech, lossy: true },
      { name: 'tone', samples: tone(440, 0.5, 0.5), lossy: true },
      { name: 'silence', samples: new Float32Array(ENGINE_SAMPLE_RATE / 2), lossy: true },
      { name: 'fullscale', samples: tone(1000, 1, 0.5), lossy: true },
      { name: 'noise', samples: fullScaleNoise(0.5), lossy: false },
    );
    for (const signal of signals) engine.signals.set(signal.name, signal.samples);
    const real = app.app.get<InferenceProvider>(INFERENCE_PROVIDER, { strict: false });
    vi.spyOn(real, 'synthesize').mockImplementation((input) => engine.synthesize(input));
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await app?.close();
  });

  async function synthesize(
    transport: SynthesisTransport,
    signal: TestSignal,
    format: OutputAudioFormat,
    rate: number,
  ): Promise<Buffer> {
    const request: SynthesisCase = {
      mode: 'fast_replication',
      reference_audio_id: voice,
      text: signal.name,
      output_format: format,
      ...(rate === ENGINE_SAMPLE_RATE ? {} : { sample_rate: rate }),
    };
    const outcome = await transport.synthesize(app, request);
    if (!outcome.ok)
      throw new Error(`${transport.name} ${format}: ${outcome.code} ${outcome.message}`);
    return outcome.audio;
  }

  const cells = SYNTHESIS_TRANSPORTS.flatMap((transport) =>
    RATES.filter(
      (rate) =>
        rate === ENGINE_SAMPLE_RATE ||
        transport.carries({
          mode: 'fast_replication',
          reference_audio_id: 'x',
          text: 'x',
          sample_rate: rate,
        }),
    ).map((rate) => ({ transport, rate })),
  );

  describe.each(cells)('$transport.name at $rate Hz', ({ transport, rate }) => {
    it.each(['speech', 'tone', 'silence', 'fullscale', 'noise'])('%s', async (name) => {
      const signal = signals.find((candidate) => candidate.name === name)!;
      const pcm = pcmSamples(await synthesize(transport, signal, 'pcm', rate));
      const expected = floatToInt16(
        rate === ENGINE_SAMPLE_RATE
          ? signal.samples
          : resample(signal.samples, ENGINE_SAMPLE_RATE, rate),
      );
      expect(mismatches(pcm, expected), 'pcm: the signal as 16-bit samples').toBe(0);

      await Promise.all(
        LOSSLESS.map(async (format) => {
          const decoded = await ffmpegInt16(await synthesize(transport, signal, format, rate));
          expect(mismatches(decoded, pcm), `${format}: samples that differ`).toBe(0);
        }),
      );
      if (!signal.lossy) return;
      const reference = int16ToFloat(pcm);
      await Promise.all(
        LOSSY.map(async (format) => {
          const file = await synthesize(transport, signal, format, rate);
          const decoded = await ffmpegFloat(file, rate);
          if (format === 'opus') {
            expect(decoded.length, 'opus: length').toBe(reference.length);
            expectLossyMatch('opus', decoded, reference, name === 'silence');
          } else {
            expect(decoded.length, 'mp3: length').toBeGreaterThanOrEqual(
              MP3_DELAY + reference.length,
            );
            expectLossyMatch('mp3', decoded.subarray(MP3_DELAY), reference, name === 'silence');
          }
        }),
      );
    });
  });

  it('a whole FLAC file (stream:false) declares its exact length: ffprobe reads the sample count', async () => {
    const [restJson] = SYNTHESIS_TRANSPORTS;
    for (const signal of signals) {
      const flac = await synthesize(restJson, signal, 'flac', 48000);
      const probed = await ffprobeStream(flac, 'flac', ['duration_ts', 'sample_rate']);
      expect(probed).toEqual({
        sample_rate: '48000',
        duration_ts: String(resample(signal.samples, ENGINE_SAMPLE_RATE, 48000).length),
      });
    }
  });

  describe('decoded by Chromium (decodeAudioData, as the playground plays them)', () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: HEADLESS_FLAGS });
      page = await browser.newPage();
    });

    afterAll(async () => {
      await browser?.close();
    });

    it.each(['speech', 'tone', 'silence', 'fullscale'])('%s', async (name) => {
      const [restJson] = SYNTHESIS_TRANSPORTS;
      const signal = signals.find((candidate) => candidate.name === name)!;
      const rate = ENGINE_SAMPLE_RATE;
      const pcm = pcmSamples(await synthesize(restJson, signal, 'pcm', rate));
      const reference = int16ToFloat(pcm);
      for (const format of LOSSLESS) {
        const file = await synthesize(restJson, signal, format, rate);
        const decoded = chromiumToInt16(await chromiumDecode(page, file, rate));
        expect(mismatches(decoded, pcm), `${format}: samples that differ`).toBe(0);
      }
      for (const format of LOSSY) {
        const file = await synthesize(restJson, signal, format, rate);
        const decoded = await chromiumDecode(page, file, rate);
        const aligned = format === 'mp3' ? decoded.subarray(MP3_DELAY) : decoded;
        expectLossyMatch(`${format} (Chromium)`, aligned, reference, name === 'silence');
      }
    });
  });
});
