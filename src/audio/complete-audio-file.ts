import type { OutputAudioFormat } from './audio.types.js';
import { withExactFlacLength } from './flac-stream-length.js';
import { withExactWavSizes } from './wav.encoder.js';

/**
 * The whole output of a streaming encoder as a complete file (what `stream: false` answers
 * carry): WAV with its exact RIFF and data sizes, FLAC with its exact total sample count; the
 * other formats need no length in a header.
 */
export function asCompleteAudioFile(format: OutputAudioFormat, stream: Buffer): Buffer {
  switch (format) {
    case 'wav':
      return withExactWavSizes(stream);
    case 'flac':
      return withExactFlacLength(stream);
    case 'mp3':
    case 'pcm':
    case 'opus':
      return stream;
  }
}
