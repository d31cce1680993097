import { EncoderOptions, StreamingAudioEncoder } from './audio.types.js';
import { FlacStreamEncoder } from './flac.encoder.js';
import { Mp3StreamEncoder } from './mp3.encoder.js';
import { OggOpusStreamEncoder } from './ogg-opus.encoder.js';
import { PcmStreamEncoder } from './pcm.encoder.js';
import { WavStreamEncoder } from './wav.encoder.js';

/**
 * An incremental encoder for the requested output format. Push samples at
 * `options.sampleRate`; the concatenation of every returned buffer (including `end()`) is one
 * valid file: WAV with an unknown-length header, CBR MP3, raw 16-bit LE mono PCM, Opus in Ogg
 * or FLAC. Asynchronous because the MP3 and FLAC encoders load compiled code; once created,
 * every encoder works synchronously.
 */
export async function createAudioEncoder(options: EncoderOptions): Promise<StreamingAudioEncoder> {
  if (!Number.isInteger(options.sampleRate) || options.sampleRate <= 0) {
    throw new RangeError(`invalid output sample rate ${options.sampleRate}`);
  }
  switch (options.format) {
    case 'wav':
      return new WavStreamEncoder(options.sampleRate);
    case 'mp3':
      return Mp3StreamEncoder.create(options.sampleRate, options.bitRateKbps);
    case 'pcm':
      return new PcmStreamEncoder();
    case 'opus':
      return new OggOpusStreamEncoder(options.sampleRate);
    case 'flac':
      return FlacStreamEncoder.create(options.sampleRate);
  }
}
