import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';

const run = promisify(execFile);

/** Runs ffmpeg with `bytes` on its stdin and resolves with its stdout. */
function ffmpegPipe(bytes: Buffer, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-i', 'pipe:0', ...args, 'pipe:1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let errors = '';
    child.stdout.on('data', (data: Buffer) => out.push(data));
    child.stderr.on('data', (data: Buffer) => (errors += data.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg ${code}: ${errors}`)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(bytes);
  });
}

/** ffmpeg's decoding of a file as 16-bit mono samples at the file's own rate (lossless check). */
export async function ffmpegInt16(bytes: Buffer): Promise<Int16Array> {
  const raw = await ffmpegPipe(bytes, ['-f', 's16le', '-ac', '1']);
  return new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

/** ffmpeg's decoding of a file as float mono samples, resampled by ffmpeg to `sampleRate`. */
export async function ffmpegFloat(bytes: Buffer, sampleRate: number): Promise<Float32Array> {
  const raw = await ffmpegPipe(bytes, ['-f', 'f32le', '-ac', '1', '-ar', String(sampleRate)]);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

/** Speech from espeak-ng as float mono samples at `sampleRate` (resampled by ffmpeg). */
export async function espeakSpeech(text: string, sampleRate: number): Promise<Float32Array> {
  const dir = await mkdtemp(join(tmpdir(), 'espeak-'));
  try {
    const wav = join(dir, 'speech.wav');
    await run('espeak-ng', ['-v', 'en', '-s', '150', '-w', wav, text]);
    const { stdout } = await run(
      'ffmpeg',
      ['-v', 'error', '-i', wav, '-f', 'f32le', '-ac', '1', '-ar', String(sampleRate), 'pipe:1'],
      { encoding: 'buffer', maxBuffer: 1 << 26 },
    );
    return new Float32Array(
      stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.length),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** ffprobe's reading of a file's first stream (e.g. `duration_ts`, `sample_rate`). */
export async function ffprobeStream(
  bytes: Buffer,
  extension: string,
  entries: string[],
): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'ffprobe-'));
  try {
    const file = join(dir, `audio.${extension}`);
    await writeFile(file, bytes);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      `stream=${entries.join(',')}`,
      '-of',
      'default=noprint_wrappers=1',
      file,
    ]);
    return Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The part of the Web Audio API `chromiumDecode` runs in the page (no DOM types here). */
interface PageAudioGlobals {
  OfflineAudioContext: new (
    channels: number,
    length: number,
    sampleRate: number,
  ) => {
    decodeAudioData(data: ArrayBuffer): Promise<{ getChannelData(channel: number): Float32Array }>;
  };
}

/**
 * Chromium's decoding of a file (`AudioContext.decodeAudioData`, what a page playing it uses),
 * in an OfflineAudioContext at `sampleRate` so that Chromium does not resample a file of that
 * rate; the first channel's samples.
 */
export async function chromiumDecode(
  page: Page,
  bytes: Buffer,
  sampleRate: number,
): Promise<Float32Array> {
  const samples = await page.evaluate(
    async ({ base64, rate }) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const { OfflineAudioContext } = globalThis as unknown as PageAudioGlobals;
      const context = new OfflineAudioContext(1, 1, rate);
      const audio = await context.decodeAudioData(data.buffer);
      return Array.from(audio.getChannelData(0));
    },
    { base64: bytes.toString('base64'), rate: sampleRate },
  );
  return Float32Array.from(samples);
}
