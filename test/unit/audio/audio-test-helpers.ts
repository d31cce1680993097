import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A sine tone at `frequency` Hz with peak `amplitude`. */
export function sine(
  frequency: number,
  sampleRate: number,
  seconds: number,
  amplitude = 0.5,
): Float32Array {
  const length = Math.round(sampleRate * seconds);
  return Float32Array.from(
    { length },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate),
  );
}

/** Writes `bytes` to a temporary file, runs `use(path)`, then removes the file. */
export function withTempFile<T>(name: string, bytes: Buffer, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'audio-test-'));
  const path = join(dir, name);
  try {
    writeFileSync(path, bytes);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ProbedStream {
  codec: string;
  sampleRate: number;
  channels: number;
  duration: number;
  bitRate: number;
}

interface FfprobeJson {
  streams: {
    codec_name: string;
    sample_rate: string;
    channels: number;
    duration?: string;
    bit_rate?: string;
  }[];
  format: { duration?: string };
}

/** The first audio stream of a file as ffprobe (an independent decoder) sees it. */
export function ffprobe(path: string): ProbedStream {
  const json = execFileSync(
    'ffprobe',
    ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(json) as FfprobeJson;
  const stream = parsed.streams[0];
  return {
    codec: stream.codec_name,
    sampleRate: Number(stream.sample_rate),
    channels: stream.channels,
    duration: Number(stream.duration ?? parsed.format.duration),
    bitRate: Number(stream.bit_rate ?? 0),
  };
}

/** Decodes a file with ffmpeg to float32 mono at its own rate. */
export function ffmpegDecode(path: string): Float32Array {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'f32le', '-ac', '1', '-'], {
    maxBuffer: 1 << 28,
  });
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

/** Writes a tone with ffmpeg into a temporary file of the given extension and returns its bytes. */
export function ffmpegTone(extension: string, args: string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'audio-test-'));
  const path = join(dir, `tone.${extension}`);
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, path]);
    return execFileSync('cat', [path], { maxBuffer: 1 << 28 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
