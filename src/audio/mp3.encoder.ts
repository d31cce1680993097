import { Mp3Encoder } from '@breezystack/lamejs';
import { StreamingAudioEncoder } from './audio.types.js';
import { mp3OutputSettings, Mp3OutputSettings } from './mp3-output-settings.js';
import { StreamingResampler } from './resampler.js';
import { floatToInt16 } from './sample-conversion.js';

/**
 * Incremental mono CBR MP3 (LAME via `@breezystack/lamejs`, no Xing/ID3 tag): every returned
 * buffer holds whole MPEG frames, so the concatenation of all of them is one valid MP3 file.
 * Input samples are at `sampleRate`; rate and bit rate are mapped as `mp3OutputSettings` says.
 */
export class Mp3StreamEncoder implements StreamingAudioEncoder {
  readonly settings: Mp3OutputSettings;
  private readonly encoder: Mp3Encoder;
  private readonly resampler: StreamingResampler | null;

  constructor(sampleRate: number, bitRateKbps: number) {
    this.settings = mp3OutputSettings(sampleRate, bitRateKbps);
    this.encoder = new Mp3Encoder(1, this.settings.sampleRate, this.settings.bitRateKbps);
    this.resampler =
      this.settings.sampleRate === sampleRate
        ? null
        : new StreamingResampler(sampleRate, this.settings.sampleRate);
  }

  push(samples: Float32Array): Buffer {
    const atOutputRate = this.resampler ? this.resampler.push(samples) : samples;
    if (atOutputRate.length === 0) return Buffer.alloc(0);
    return copyBytes(this.encoder.encodeBuffer(floatToInt16(atOutputRate)));
  }

  end(): Buffer {
    const parts: Buffer[] = [];
    if (this.resampler) {
      const tail = this.resampler.flush();
      if (tail.length > 0) parts.push(copyBytes(this.encoder.encodeBuffer(floatToInt16(tail))));
    }
    parts.push(copyBytes(this.encoder.flush()));
    return Buffer.concat(parts);
  }
}

/** lamejs returns a view into its reusable output buffer, so the bytes must be copied out. */
function copyBytes(view: ArrayBufferView): Buffer {
  return Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}
