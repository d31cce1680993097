import { InputAudioFormat } from './audio.types.js';
import { isWav } from './wav.decoder.js';
import { looksLikeMp3 } from './mpeg-frame-header.js';
import { oggCodecOf } from './ogg.decoder.js';

/**
 * Recognises the container of an upload from its bytes (never from a file name):
 *
 * 1. `RIFF....WAVE` → `wav`.
 * 2. An ID3v2 tag, or an MPEG Layer III frame header followed by a second one → `mp3`.
 * 3. `fLaC` → `flac`; `OggS` whose first packet is `OpusHead` → `opus`, `\x01vorbis` → `vorbis`;
 *    an EBML header (WebM/Matroska) → `webm` (its demuxer refuses codecs other than Opus).
 * 4. Anything else is taken as raw 16-bit little-endian mono PCM, unless it is clearly not
 *    PCM audio: empty, an odd number of bytes, a known non-audio or unsupported file signature
 *    (see `KNOWN_SIGNATURES`), or text (the first 4 KiB are all printable UTF-8 / whitespace
 *    with no NUL byte, which real PCM audio practically never is).
 *
 * Returns the format, or a human-readable reason why the bytes were rejected.
 */
export type FormatDetection =
  { format: InputAudioFormat; rejection?: undefined } | { format?: undefined; rejection: string };

interface FileSignature {
  name: string;
  offset: number;
  bytes: number[];
}

function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

/** The upload formats, as the refusals list them. */
export const SUPPORTED_UPLOADS = 'WAV, MP3, FLAC, Ogg Opus, Ogg Vorbis, WebM Opus or raw PCM';

/** How to turn a file of an unsupported container into one this service reads. */
const CONVERT_HINT = (extension: string): string =>
  `convert it first, e.g. ffmpeg -i voice.${extension} voice.flac`;

const KNOWN_SIGNATURES: FileSignature[] = [
  { name: 'a PNG image', offset: 0, bytes: [0x89, ...ascii('PNG')] },
  { name: 'a JPEG image', offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { name: 'a GIF image', offset: 0, bytes: ascii('GIF8') },
  { name: 'a WebP image or AVI video (RIFF but not WAVE)', offset: 0, bytes: ascii('RIFF') },
  { name: 'a TIFF image', offset: 0, bytes: [0x49, 0x49, 0x2a, 0x00] },
  { name: 'a PDF document', offset: 0, bytes: ascii('%PDF') },
  { name: 'a ZIP archive (or Office document)', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'a gzip archive', offset: 0, bytes: [0x1f, 0x8b] },
  { name: 'a 7-Zip archive', offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'a RAR archive', offset: 0, bytes: ascii('Rar!') },
  { name: 'an executable (ELF)', offset: 0, bytes: [0x7f, ...ascii('ELF')] },
  { name: 'a WebAssembly module', offset: 0, bytes: [0x00, ...ascii('asm')] },
  {
    name: 'Ogg with a codec other than Opus or Vorbis, which is not supported',
    offset: 0,
    bytes: ascii('OggS'),
  },
  {
    name: `MP4/M4A/AAC audio or video, which is not supported (${CONVERT_HINT('m4a')})`,
    offset: 4,
    bytes: ascii('ftyp'),
  },
  { name: 'AIFF audio, which is not supported', offset: 0, bytes: ascii('FORM') },
  { name: 'AU audio, which is not supported', offset: 0, bytes: ascii('.snd') },
  { name: 'AMR audio, which is not supported', offset: 0, bytes: ascii('#!AMR') },
  { name: 'CAF audio, which is not supported', offset: 0, bytes: ascii('caff') },
  { name: 'a MIDI file, which is not audio', offset: 0, bytes: ascii('MThd') },
  {
    name: `ADTS AAC audio, which is not supported (${CONVERT_HINT('aac')})`,
    offset: 0,
    bytes: [0xff, 0xf1],
  },
  {
    name: `ADTS AAC audio, which is not supported (${CONVERT_HINT('aac')})`,
    offset: 0,
    bytes: [0xff, 0xf9],
  },
];

const TEXT_PROBE_BYTES = 4096;

function matchesSignature(bytes: Buffer, signature: FileSignature): boolean {
  if (bytes.length < signature.offset + signature.bytes.length) return false;
  return signature.bytes.every((value, i) => bytes[signature.offset + i] === value);
}

/** Length of the UTF-8 multi-byte sequence starting at `index`, or 0 if it is not valid. */
function utf8SequenceLength(bytes: Buffer, index: number, end: number): number {
  const lead = bytes[index];
  const length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length === 0 || lead > 0xf4) return 0;
  // a sequence cut by the end of the probe window still counts as text
  for (let i = 1; i < length && index + i < end; i++) {
    if ((bytes[index + i] & 0xc0) !== 0x80) return 0;
  }
  return length;
}

function looksLikeText(bytes: Buffer): boolean {
  const end = Math.min(bytes.length, TEXT_PROBE_BYTES);
  let index = 0;
  while (index < end) {
    const byte = bytes[index];
    if (byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f)) {
      index++;
      continue;
    }
    const length = byte >= 0x80 ? utf8SequenceLength(bytes, index, end) : 0;
    if (length === 0) return false;
    index += length;
  }
  return true;
}

export function detectInputFormat(bytes: Buffer): FormatDetection {
  if (bytes.length === 0) return { rejection: 'the audio file is empty' };
  if (isWav(bytes)) return { format: 'wav' };
  if (looksLikeMp3(bytes)) return { format: 'mp3' };
  if (matchesSignature(bytes, { name: 'FLAC', offset: 0, bytes: ascii('fLaC') })) {
    return { format: 'flac' };
  }
  if (matchesSignature(bytes, { name: 'Ogg', offset: 0, bytes: ascii('OggS') })) {
    const codec = oggCodecOf(bytes);
    if (codec) return { format: codec };
  }
  if (matchesSignature(bytes, { name: 'WebM', offset: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3] })) {
    return { format: 'webm' };
  }
  for (const signature of KNOWN_SIGNATURES) {
    if (matchesSignature(bytes, signature)) {
      return { rejection: `the file looks like ${signature.name}; expected ${SUPPORTED_UPLOADS}` };
    }
  }
  if (looksLikeText(bytes)) {
    return { rejection: `the file is text, not audio; expected ${SUPPORTED_UPLOADS}` };
  }
  if (bytes.length % 2 !== 0) {
    return {
      rejection: `not ${SUPPORTED_UPLOADS.replace(' or raw PCM', '')}, and not raw 16-bit PCM either (odd length ${bytes.length} bytes)`,
    };
  }
  return { format: 'pcm' };
}
