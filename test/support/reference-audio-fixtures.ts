import { spawnSync } from 'node:child_process';

/**
 * A deterministic speech-like signal: voiced "syllables" (a gliding fundamental with decaying
 * harmonics, like vowels) separated by short pauses, peak about 0.6.
 */
export function speechLikeSamples(seconds: number, sampleRate: number): Float32Array {
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  const syllableSeconds = 0.25;
  let phase = 0;
  for (let i = 0; i < samples.length; i++) {
    const t = i / sampleRate;
    const syllable = Math.floor(t / syllableSeconds);
    const within = (t % syllableSeconds) / syllableSeconds;
    const envelope = within < 0.8 ? Math.sin((Math.PI * within) / 0.8) : 0;
    const f0 = 110 + 40 * Math.sin(syllable * 1.7) + 30 * within;
    phase += (2 * Math.PI * f0) / sampleRate;
    let value = 0;
    for (let harmonic = 1; harmonic <= 8; harmonic++) {
      value += Math.sin(harmonic * phase) / harmonic;
    }
    samples[i] = 0.3 * envelope * value;
  }
  return samples;
}

/** A reference "voice" for the engine: a gliding tone with a slow tremolo, peak 0.3. */
export function glidingToneSamples(sampleRate = 16000, seconds = 3): Float32Array {
  return Float32Array.from({ length: sampleRate * seconds }, (_, i) => {
    const t = i / sampleRate;
    return 0.3 * Math.sin(2 * Math.PI * (140 + 40 * t) * t) * (0.6 + 0.4 * Math.sin(3 * t));
  });
}

/** Raw 16-bit signed little-endian mono PCM. */
export function makePcm16(samples: Float32Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  samples.forEach((value, i) => {
    out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, value)) * 32767), i * 2);
  });
  return out;
}

/** A canonical 44-byte-header 16-bit mono PCM WAV file. */
export function makeWav(samples: Float32Array, sampleRate: number): Buffer {
  const data = makePcm16(samples);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** A speech-like WAV of the given length. */
export function makeSpeechWav(seconds = 2, sampleRate = 16000): Buffer {
  return makeWav(speechLikeSamples(seconds, sampleRate), sampleRate);
}

/** An MP3 of the samples, encoded by the ffmpeg binary (independent of the service's encoder). */
export function makeMp3(samples: Float32Array, sampleRate: number, bitRate = '64k'): Buffer {
  const result = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      's16le',
      '-ar',
      String(sampleRate),
      '-ac',
      '1',
      '-i',
      'pipe:0',
      '-codec:a',
      'libmp3lame',
      '-b:a',
      bitRate,
      '-f',
      'mp3',
      'pipe:1',
    ],
    { input: makePcm16(samples), maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  }
  return result.stdout;
}

/** Real synthetic speech: `text` spoken by espeak-ng, as raw 16-bit LE mono PCM at `sampleRate`. */
export function makeEspeakPcm(text: string, sampleRate = 16000): Buffer {
  const speech = spawnSync('espeak-ng', ['--stdout', text], { maxBuffer: 64 * 1024 * 1024 });
  if (speech.status !== 0) throw new Error(`espeak-ng failed: ${speech.stderr.toString()}`);
  const result = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      'pipe:0',
      '-ac',
      '1',
      '-ar',
      String(sampleRate),
    ].concat(['-f', 's16le', 'pipe:1']),
    { input: speech.stdout, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** Deterministic bytes that look random (xorshift32). */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** A long MP3 quickly: ffmpeg's own sine source, encoded at `bitRate`. */
export function makeToneMp3(seconds: number, sampleRate: number, bitRate: string): Buffer {
  const result = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i']
      .concat([`sine=frequency=220:sample_rate=${sampleRate}:duration=${seconds}`])
      .concat(['-codec:a', 'libmp3lame', '-b:a', bitRate, '-f', 'mp3', 'pipe:1']),
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  return result.stdout;
}
