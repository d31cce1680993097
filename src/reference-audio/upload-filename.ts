import type { InputAudioFormat } from '../audio/audio.types.js';
import { ApiError } from '../common/api-error.js';

const MAX_FILENAME_LENGTH = 255;

/**
 * The client's file name is only stored and shown, never used as a storage key; still, a name
 * that tries to be a path (`../x`, `a/b`, `a\b`) or carries control characters is refused with
 * 400 rather than silently rewritten, so the client learns its request was wrong.
 * Returns the name to store, or undefined when the client sent none.
 */
export function checkUploadFilename(filename: string | undefined): string | undefined {
  if (filename === undefined || filename === '') {
    return undefined;
  }
  if (hasControlCharacter(filename)) {
    throw ApiError.invalidParameter('file name must not contain control characters');
  }
  if (/[/\\]/.test(filename) || filename === '.' || filename === '..') {
    throw ApiError.invalidParameter(
      `file name must be a plain name without path components; got ${JSON.stringify(filename)}`,
    );
  }
  if (filename.length > MAX_FILENAME_LENGTH) {
    throw ApiError.invalidParameter(`file name must be at most ${MAX_FILENAME_LENGTH} characters`);
  }
  return filename;
}

/**
 * The container a file name promises: `.wav` (or `.wave`) → WAV, `.mp3` → MP3, `.flac` → FLAC,
 * `.opus` → Ogg Opus, `.webm` → WebM, any case; no promise for other names (raw PCM has no standard extension,
 * `.ogg` may hold Opus or Vorbis).
 */
export function claimedFormatOf(filename: string | undefined): InputAudioFormat | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(filename ?? '')?.[1]?.toLowerCase();
  if (extension === 'wav' || extension === 'wave') return 'wav';
  if (extension === 'mp3') return 'mp3';
  if (extension === 'flac') return 'flac';
  if (extension === 'opus') return 'opus';
  if (extension === 'webm') return 'webm';
  return undefined;
}

/** C0 controls, DEL and C1 controls. */
function hasControlCharacter(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      return true;
    }
  }
  return false;
}
