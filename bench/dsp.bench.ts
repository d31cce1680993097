/**
 * DSP timings for BENCHMARKS.md: the prompt features of a 10 s voice prompt (Kaldi fbank,
 * Whisper log-mel, Matcha mel) and the output path for 10 s of 24 kHz speech (resample to 16 kHz
 * and 44.1 kHz, MP3 encode, and both together as synthesis output does them). Median of 15 runs
 * after 3 warm-up runs, one thread; both wall-clock and process CPU time are printed (CPU time
 * is the fair figure on a busy machine).
 * Run alone: `npx tsx bench/dsp.bench.ts`.
 */
import { fileURLToPath } from 'node:url';
import { createAudioEncoder } from '../src/audio/audio-encoder.factory.js';
import { kaldiFbank } from '../src/inference/cosyvoice2/dsp/kaldi-fbank.js';
import { matchaMel } from '../src/inference/cosyvoice2/dsp/matcha-mel.js';
import { resample, StreamingResampler } from '../src/audio/resampler.js';
import { whisperLogMel } from '../src/inference/cosyvoice2/dsp/whisper-log-mel.js';
import { median } from './stats.js';

const SECONDS = 10;
const WARM_UP_RUNS = 3;
const MEASURED_RUNS = 15;

/** Speech-like test signal: a gliding harmonic voice with an amplitude envelope, plus noise. */
function speechLike(sampleRate: number): Float32Array {
  const out = new Float32Array(sampleRate * SECONDS);
  let phase = 0;
  let noise = 1;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    phase += (2 * Math.PI * (140 + 30 * Math.sin(2 * Math.PI * 3 * t))) / sampleRate;
    let voice = 0;
    for (let k = 1; k <= 10; k++) voice += (0.3 / k) * Math.sin(k * phase);
    noise = (noise * 16807) % 2147483647;
    out[i] =
      voice * (0.5 + 0.5 * Math.sin(2 * Math.PI * 0.7 * t)) + 0.01 * (noise / 2147483647 - 0.5);
  }
  return out;
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function measure(work: () => unknown): Promise<Timing> {
  for (let i = 0; i < WARM_UP_RUNS; i++) await work();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < MEASURED_RUNS; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await work();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

async function encodeMp3InChunks(
  samples: Float32Array,
  sampleRate: number,
  bitRateKbps: number,
): Promise<number> {
  const encoder = await createAudioEncoder({ format: 'mp3', sampleRate, bitRateKbps });
  let bytes = 0;
  // 40 ms chunks, as a stream would push them
  const chunk = sampleRate / 25;
  for (let offset = 0; offset < samples.length; offset += chunk) {
    bytes += encoder.push(samples.subarray(offset, offset + chunk)).length;
  }
  return bytes + encoder.end().length;
}

/** The synthesis output path: 24 kHz engine chunks resampled as a stream, then encoded. */
async function resampleAndEncodeMp3InChunks(
  samples24k: Float32Array,
  sampleRate: number,
  bitRateKbps: number,
): Promise<number> {
  const resampler = new StreamingResampler(24000, sampleRate);
  const encoder = await createAudioEncoder({ format: 'mp3', sampleRate, bitRateKbps });
  let bytes = 0;
  for (let offset = 0; offset < samples24k.length; offset += 960) {
    bytes += encoder.push(resampler.push(samples24k.subarray(offset, offset + 960))).length;
  }
  bytes += encoder.push(resampler.flush()).length;
  return bytes + encoder.end().length;
}

export default async function runDspBench(): Promise<void> {
  const prompt16k = speechLike(16000);
  const prompt24k = speechLike(24000);
  const output24k = speechLike(24000);
  const output44k = speechLike(44100);
  const rows: [string, Timing][] = [
    ['Kaldi fbank 80 (10 s @ 16 kHz)', await measure(() => kaldiFbank(prompt16k))],
    ['Whisper log-mel 128 (10 s @ 16 kHz)', await measure(() => whisperLogMel(prompt16k))],
    ['Matcha mel 80 (10 s @ 24 kHz)', await measure(() => matchaMel(prompt24k))],
    ['resample 24 kHz → 16 kHz (10 s)', await measure(() => resample(output24k, 24000, 16000))],
    ['resample 24 kHz → 44.1 kHz (10 s)', await measure(() => resample(output24k, 24000, 44100))],
    [
      'streaming resample 24 → 44.1 kHz, 40 ms chunks (10 s)',
      await measure(() => {
        const resampler = new StreamingResampler(24000, 44100);
        for (let offset = 0; offset < output24k.length; offset += 960) {
          resampler.push(output24k.subarray(offset, offset + 960));
        }
        resampler.flush();
      }),
    ],
    [
      'MP3 encode 24 kHz 128k, 40 ms chunks (10 s)',
      await measure(() => encodeMp3InChunks(output24k, 24000, 128)),
    ],
    [
      'MP3 encode 44.1 kHz 192k, 40 ms chunks (10 s)',
      await measure(() => encodeMp3InChunks(output44k, 44100, 192)),
    ],
    [
      'streaming resample 24 → 44.1 kHz + MP3 192k (10 s)',
      await measure(() => resampleAndEncodeMp3InChunks(output24k, 44100, 192)),
    ],
  ];
  console.log(`DSP (node ${process.version}, median of ${MEASURED_RUNS} runs)`);
  console.log(`${'step'.padEnd(56)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)}`);
  for (const [name, { wallMs, cpuMs }] of rows) {
    console.log(
      `${name.padEnd(56)} ${wallMs.toFixed(1).padStart(8)} ${cpuMs.toFixed(1).padStart(8)}`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runDspBench();
