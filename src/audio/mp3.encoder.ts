import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createEncoder, WasmMediaEncoder } from 'wasm-media-encoders';
import { StreamingAudioEncoder } from './audio.types.js';
import { mp3OutputSettings, Mp3OutputSettings } from './mp3-output-settings.js';
import { StreamingResampler } from './resampler.js';
import { clipToFullScale } from './sample-conversion.js';

type LameEncoder = WasmMediaEncoder<'audio/mpeg'>;

/** LAME's WebAssembly code: its binary until the first encoder compiled it, then the module. */
type LameCode = Parameters<typeof createEncoder>[1];
let lameCode: Promise<LameCode> | undefined;

/** A new LAME instance; the binary is read and compiled only once per process. */
async function instantiateLame(): Promise<LameEncoder> {
  lameCode ??= readFile(createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3'));
  return createEncoder('audio/mpeg', await lameCode, (compiled) => {
    lameCode = Promise.resolve(compiled);
  });
}

/**
 * Incremental mono CBR MP3 (LAME compiled to WebAssembly by `wasm-media-encoders`, no Xing/ID3
 * tag): every returned buffer holds whole MPEG frames, so the concatenation of all of them is
 * one valid MP3 file. Input samples are at `sampleRate`; rate and bit rate are mapped as
 * `mp3OutputSettings` says, and the output rate is pinned so LAME never picks another one.
 * Each encoder has its own WebAssembly instance, so encoders can run side by side.
 */
export class Mp3StreamEncoder implements StreamingAudioEncoder {
  private readonly resampler: StreamingResampler | null;

  private constructor(
    sampleRate: number,
    readonly settings: Mp3OutputSettings,
    private readonly lame: LameEncoder,
  ) {
    this.resampler =
      settings.sampleRate === sampleRate
        ? null
        : new StreamingResampler(sampleRate, settings.sampleRate);
  }

  static async create(sampleRate: number, bitRateKbps: number): Promise<Mp3StreamEncoder> {
    const settings = mp3OutputSettings(sampleRate, bitRateKbps);
    const lame = await instantiateLame();
    lame.configure({
      channels: 1,
      sampleRate: settings.sampleRate,
      outputSampleRate: settings.sampleRate,
      bitrate: settings.bitRateKbps,
    });
    return new Mp3StreamEncoder(sampleRate, settings, lame);
  }

  push(samples: Float32Array): Buffer {
    return this.encode(this.resampler ? this.resampler.push(samples) : samples);
  }

  end(): Buffer {
    const tail = this.resampler ? this.encode(this.resampler.flush()) : Buffer.alloc(0);
    // the encoder owns the returned bytes and reuses them on its next call: copy them out
    return Buffer.concat([tail, Buffer.from(this.lame.finalize())]);
  }

  private encode(samples: Float32Array): Buffer {
    if (samples.length === 0) return Buffer.alloc(0);
    // LAME passes samples beyond full scale through, so they are clipped here first
    return Buffer.from(this.lame.encode([clipToFullScale(samples)]));
  }
}
