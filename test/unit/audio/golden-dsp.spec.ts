import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src/audio/audio-decoder.js';
import { hiftIstft } from '../../../src/inference/cosyvoice2/dsp/hift-istft.js';
import {
  kaldiFbank,
  subtractFrameMean,
} from '../../../src/inference/cosyvoice2/dsp/kaldi-fbank.js';
import { matchaMel, MATCHA_MEL_BINS } from '../../../src/inference/cosyvoice2/dsp/matcha-mel.js';
import { interpolateMelOverTime } from '../../../src/inference/cosyvoice2/dsp/mel-interpolation.js';
import { resample } from '../../../src/audio/resampler.js';
import {
  WHISPER_MEL_BINS,
  whisperLogMel,
} from '../../../src/inference/cosyvoice2/dsp/whisper-log-mel.js';

/**
 * Conformance with the torch/torchaudio reference vectors (`make_golden.py`). Every case of the
 * manifest in GOLDEN_DSP_DIR (default: the copy in test/fixtures/golden-dsp) is checked: shapes
 * exactly equal, max |difference| ≤ 1e-4 for waveforms (resample, iSTFT, interpolation) and
 * ≤ 1e-3 for log features (fbank, Whisper log-mel, Matcha mel). Each stage is fed the
 * reference's own input for that stage, so a failure points at one function.
 */

const WAVEFORM_TOLERANCE = 1e-4;
const LOG_FEATURE_TOLERANCE = 1e-3;

interface ArrayRef {
  file: string;
  shape: number[];
}

interface GoldenCase {
  name: string;
  wav?: string | null;
  input: ArrayRef;
  sample_rate?: number;
  resample_16k?: ArrayRef;
  resample_24k?: ArrayRef;
  resample_16k_to_24k?: ArrayRef;
  kaldi_fbank80?: ArrayRef;
  kaldi_fbank80_mean_normalized?: ArrayRef;
  whisper_logmel128?: ArrayRef;
  matcha_mel80_24k?: ArrayRef;
  params?: { n_fft?: number; hop?: number; speed?: number };
  output?: ArrayRef;
}

const goldenDir = resolve(process.env.GOLDEN_DSP_DIR ?? join('test', 'fixtures', 'golden-dsp'));
const manifest = JSON.parse(readFileSync(join(goldenDir, 'manifest.json'), 'utf8')) as {
  cases: GoldenCase[];
};

function load(ref: ArrayRef): Float32Array {
  const bytes = readFileSync(join(goldenDir, ref.file));
  const values = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  );
  expect(values.length, `${ref.file} size vs its shape`).toBe(ref.shape.reduce((a, b) => a * b, 1));
  return values;
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

function maxAbsDifference(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs(actual[i] - expected[i]);
    if (!(difference <= worst)) worst = difference; // NaN propagates as a failure
  }
  return worst;
}

/** Worst difference relative to its tolerance, per case, for the summary printed at the end. */
const worstPerCase = new Map<string, { label: string; worst: number; tolerance: number }>();

/** Compares shape and values, and reports the worst difference of this array. */
function check(
  caseName: string,
  label: string,
  actual: Float32Array,
  actualShape: number[],
  reference: ArrayRef,
  tolerance: number,
): void {
  expect(actualShape, `${caseName} ${label} shape`).toEqual(reference.shape);
  const worst = maxAbsDifference(actual, load(reference));
  const previous = worstPerCase.get(caseName);
  if (!previous || !(worst / tolerance <= previous.worst / previous.tolerance)) {
    worstPerCase.set(caseName, { label, worst, tolerance });
  }
  console.warn(
    `golden-dsp ${caseName} ${label}: max |diff| ${worst.toExponential(2)} (tolerance ${tolerance})`,
  );
  expect(worst, `${caseName} ${label} max |diff|`).toBeLessThanOrEqual(tolerance);
}

function resampleTo(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  return fromRate === toRate ? samples : resample(samples, fromRate, toRate);
}

function frontendCase(c: GoldenCase): void {
  const rate = c.sample_rate as number;
  const input = () => load(c.input);

  if (c.wav) {
    it('decodes the source WAV to the reference input', async () => {
      const decoded = await decodeAudio(readFileSync(join(goldenDir, c.wav as string)));
      expect(decoded.sampleRate).toBe(rate);
      check(c.name, 'wav decode', decoded.samples, [decoded.samples.length], c.input, 1e-7);
    });
  }
  const resampleChecks: [string, ArrayRef | undefined, () => Float32Array, number, number][] = [
    ['resample_16k', c.resample_16k, input, rate, 16000],
    ['resample_24k', c.resample_24k, input, rate, 24000],
    [
      'resample_16k_to_24k',
      c.resample_16k_to_24k,
      () => load(c.resample_16k as ArrayRef),
      16000,
      24000,
    ],
  ];
  for (const [label, reference, source, from, to] of resampleChecks) {
    if (!reference) continue;
    it(`${label} (${from} → ${to} Hz)`, () => {
      const out = resampleTo(source(), from, to);
      check(c.name, label, out, [out.length], reference, WAVEFORM_TOLERANCE);
    });
  }
  const samples16k = () => load(c.resample_16k as ArrayRef);
  if (c.kaldi_fbank80) {
    const reference = c.kaldi_fbank80;
    it('kaldi_fbank80 [frames, 80]', () => {
      const fbank = kaldiFbank(samples16k());
      check(
        c.name,
        'kaldi_fbank80',
        fbank.data,
        [fbank.frames, 80],
        reference,
        LOG_FEATURE_TOLERANCE,
      );
    });
  }
  if (c.kaldi_fbank80_mean_normalized) {
    const reference = c.kaldi_fbank80_mean_normalized;
    it('kaldi_fbank80_mean_normalized [frames, 80]', () => {
      const normalized = subtractFrameMean(kaldiFbank(samples16k()));
      check(
        c.name,
        'kaldi_fbank80_mean_normalized',
        normalized.data,
        [normalized.frames, 80],
        reference,
        LOG_FEATURE_TOLERANCE,
      );
    });
  }
  if (c.whisper_logmel128) {
    const reference = c.whisper_logmel128;
    it('whisper_logmel128 [128, frames]', () => {
      const mel = whisperLogMel(samples16k());
      check(
        c.name,
        'whisper_logmel128',
        mel.data,
        [WHISPER_MEL_BINS, mel.frames],
        reference,
        LOG_FEATURE_TOLERANCE,
      );
    });
  }
  if (c.matcha_mel80_24k) {
    const reference = c.matcha_mel80_24k;
    it('matcha_mel80_24k (reference [80, frames], ours [frames, 80] transposed)', () => {
      const mel = matchaMel(load(c.resample_16k_to_24k as ArrayRef));
      const binsByFrames = transpose(mel.data, mel.frames, MATCHA_MEL_BINS);
      check(
        c.name,
        'matcha_mel80_24k',
        binsByFrames,
        [MATCHA_MEL_BINS, mel.frames],
        reference,
        LOG_FEATURE_TOLERANCE,
      );
    });
  }
}

function istftCase(c: GoldenCase): void {
  it('hift iSTFT (n_fft 16, hop 4, centred)', () => {
    const [channels, frames] = c.input.shape;
    const bins = channels / 2;
    const raw = load(c.input);
    const magnitude = raw.slice(0, bins * frames).map(Math.exp);
    const phase = raw.slice(bins * frames).map(Math.sin);
    const out = hiftIstft(magnitude, phase, bins, frames);
    check(c.name, 'istft', out, [out.length], c.output as ArrayRef, WAVEFORM_TOLERANCE);
  });
}

function speedCase(c: GoldenCase): void {
  const speed = c.params?.speed as number;
  it(`mel interpolation for speed ${speed}`, () => {
    const [bins, frames] = c.input.shape;
    const newFrames = Math.floor(frames / speed);
    const out = interpolateMelOverTime(load(c.input), bins, frames, newFrames);
    check(
      c.name,
      'interpolation',
      out,
      [bins, newFrames],
      c.output as ArrayRef,
      WAVEFORM_TOLERANCE,
    );
  });
}

describe(`golden DSP vectors (${manifest.cases.length} cases)`, () => {
  it('has cases', () => expect(manifest.cases.length).toBeGreaterThan(0));

  afterAll(() => {
    const lines = [...worstPerCase].map(
      ([name, { label, worst, tolerance }]) =>
        `  ${name.padEnd(24)} ${worst.toExponential(2)} in ${label} (tolerance ${tolerance})`,
    );
    console.warn(`golden-dsp worst difference per case (${goldenDir}):\n${lines.join('\n')}`);
  });

  for (const c of manifest.cases) {
    describe(c.name, () => {
      if (c.resample_16k) frontendCase(c);
      else if (c.params?.n_fft !== undefined) istftCase(c);
      else if (c.params?.speed !== undefined) speedCase(c);
      else it('is a known kind of case', () => expect.fail(`unknown case kind: ${c.name}`));
    });
  }
});
