import { AudioDecodeError } from './audio-decode.error.js';

/** Matroska/WebM element ids (with their length marker, as written). */
const ID = {
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  duration: 0x4489,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  codecId: 0x86,
  codecPrivate: 0x63a2,
  cluster: 0x1f43b675,
  blockGroup: 0xa0,
  block: 0xa1,
  simpleBlock: 0xa3,
} as const;

/** Elements whose children are read in place (the others are skipped whole). */
const MASTERS: ReadonlySet<number> = new Set([
  ID.segment,
  ID.info,
  ID.tracks,
  ID.trackEntry,
  ID.cluster,
  ID.blockGroup,
]);

/** What a WebM file with one Opus track holds. */
export interface WebmOpus {
  /** The OpusHead of the track (RFC 7845 §5.1): channels, pre-skip. */
  opusHead: Buffer;
  /** The Opus packets of the track, in order. */
  packets: Buffer[];
  /** The Segment's declared duration in seconds; undefined when absent (MediaRecorder). */
  declaredSeconds: number | undefined;
}

const CUT_SHORT = 'the WebM file is cut short or damaged';
const NOT_OPUS =
  'the WebM/Matroska file holds no Opus audio track, which is the only one supported ' +
  '(convert it first, e.g. ffmpeg -i voice.webm voice.flac)';

/** An EBML variable-length integer at `at`: its value (marker kept for ids) and length. */
function readVint(
  bytes: Buffer,
  at: number,
  keepMarker: boolean,
): { value: number; length: number; unknown: boolean } {
  const first = bytes[at];
  if (first === undefined || first === 0) throw new AudioDecodeError(CUT_SHORT);
  const length = Math.clz32(first) - 23;
  if (at + length > bytes.length) throw new AudioDecodeError(CUT_SHORT);
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function readUnsigned(bytes: Buffer): number {
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  return value;
}

/**
 * Reads the Opus track of a WebM file (what browsers' MediaRecorder writes): the OpusHead from
 * the track's CodecPrivate and the packets of its SimpleBlocks and Blocks. Elements of unknown
 * size (a live recording's Segment and Clusters) are read in place. Laced blocks, other codecs and
 * a file that ends inside an element are refused with AudioDecodeError.
 */
export function demuxWebmOpus(bytes: Buffer): WebmOpus {
  let track: { number?: number; codec?: string; head?: Buffer } = {};
  let opus: { number: number; head: Buffer } | undefined;
  const blocks: Buffer[] = [];
  let timecodeScale = 1_000_000;
  let duration: number | undefined;
  for (let at = 0; at < bytes.length;) {
    const id = readVint(bytes, at, true);
    const size = readVint(bytes, at + id.length, false);
    const content = at + id.length + size.length;
    if (MASTERS.has(id.value)) {
      if (id.value === ID.trackEntry) track = {};
      at = content;
      continue;
    }
    if (size.unknown || content + size.value > bytes.length) throw new AudioDecodeError(CUT_SHORT);
    const data = bytes.subarray(content, content + size.value);
    switch (id.value) {
      case ID.timecodeScale:
        timecodeScale = readUnsigned(data);
        break;
      case ID.duration:
        duration = data.length === 4 ? data.readFloatBE(0) : data.readDoubleBE(0);
        break;
      case ID.trackNumber:
        track.number = readUnsigned(data);
        break;
      case ID.codecId:
        track.codec = data.toString('latin1');
        break;
      case ID.codecPrivate:
        track.head = data;
        break;
      case ID.simpleBlock:
      case ID.block:
        blocks.push(data);
        break;
    }
    if (!opus && track.codec === 'A_OPUS' && track.number !== undefined && track.head) {
      opus = { number: track.number, head: track.head };
    }
    at = content + size.value;
  }
  if (!opus || opus.head.toString('latin1', 0, 8) !== 'OpusHead')
    throw new AudioDecodeError(NOT_OPUS);
  const packets: Buffer[] = [];
  for (const block of blocks) {
    const trackNumber = readVint(block, 0, false);
    if (trackNumber.value !== opus.number) continue;
    const flags = block[trackNumber.length + 2];
    if (((flags >> 1) & 0x03) !== 0) {
      throw new AudioDecodeError(
        'laced WebM blocks are not supported (convert it first, e.g. ffmpeg -i voice.webm voice.flac)',
      );
    }
    packets.push(block.subarray(trackNumber.length + 3));
  }
  return {
    opusHead: opus.head,
    packets,
    declaredSeconds: duration === undefined ? undefined : (duration * timecodeScale) / 1e9,
  };
}
