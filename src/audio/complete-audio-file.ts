import type { OutputAudioFormat } from './audio.types.js';
import { withExactFlacLength } from './flac-stream-length.js';
import { withExactWavSizesInPieces } from './wav.encoder.js';

/**
 * The whole output of a streaming encoder, kept in its pieces, as a complete file (what
 * `stream: false` answers carry): WAV with its exact RIFF and data sizes (only its first piece
 * changes), FLAC with its exact total sample count (found from its last frame, so the pieces
 * are joined: FLAC is compressed and the answer's length is bounded by
 * MAX_WHOLE_ANSWER_SECONDS); the other formats need no length in a header.
 */
export function asCompleteAudioFile(format: OutputAudioFormat, pieces: Buffer[]): Buffer[] {
  switch (format) {
    case 'wav':
      return withExactWavSizesInPieces(pieces);
    case 'flac':
      return [withExactFlacLength(Buffer.concat(pieces))];
    case 'mp3':
    case 'pcm':
    case 'opus':
      return pieces;
  }
}
