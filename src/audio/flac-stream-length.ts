/** `fLaC` + the STREAMINFO block header: STREAMINFO's 34 bytes begin here. */
const STREAMINFO_OFFSET = 8;
const STREAMINFO_BYTES = 34;
/** The byte of STREAMINFO whose low 4 bits are the top of the 36-bit total sample count. */
const TOTAL_SAMPLES_OFFSET = STREAMINFO_OFFSET + 13;
/** The shortest frame header: sync, two code bytes, a 1-byte frame number, CRC-8. */
const MIN_FRAME_HEADER_BYTES = 6;

/** CRC-8 of FLAC frame headers (polynomial x^8 + x^2 + x + 1, initial value 0). */
function crc8(bytes: Buffer, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i];
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : crc << 1;
  }
  return crc & 0xff;
}

/** CRC-16 of whole FLAC frames (polynomial x^16 + x^15 + x^2 + 1, initial value 0). */
function crc16(bytes: Buffer, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i] << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** What a frame header at some offset says: its frame number and block size. */
interface FrameHeader {
  frameNumber: number;
  blockSize: number;
}

/**
 * The frame header of a fixed-block-size stream at `at`, or undefined where the bytes there are
 * not one (sync code, reserved bits, frame number coding and CRC-8 all checked).
 */
function frameHeaderAt(file: Buffer, at: number): FrameHeader | undefined {
  if (file[at] !== 0xff || file[at + 1] !== 0xf8 || at + 5 > file.length) return undefined;
  const blockCode = file[at + 2] >> 4;
  const rateCode = file[at + 2] & 0x0f;
  if (blockCode === 0 || rateCode === 15 || (file[at + 3] & 0x01) !== 0) return undefined;
  let offset = at + 4;
  const lead = file[offset++];
  const extraBytes =
    lead < 0x80 ? 0 : lead >= 0xc0 && lead < 0xfe ? Math.clz32(~(lead << 24)) - 1 : -1;
  if (extraBytes < 0 || extraBytes > 5) return undefined;
  let frameNumber = extraBytes === 0 ? lead : lead & (0x7f >> (extraBytes + 1));
  for (let i = 0; i < extraBytes; i++, offset++) {
    if (offset >= file.length || (file[offset] & 0xc0) !== 0x80) return undefined;
    frameNumber = frameNumber * 64 + (file[offset] & 0x3f);
  }
  let blockSize: number;
  if (blockCode === 1) blockSize = 192;
  else if (blockCode <= 5) blockSize = 576 << (blockCode - 2);
  else if (blockCode === 6) blockSize = file[offset++] + 1;
  else if (blockCode === 7) {
    blockSize = ((file[offset] << 8) | file[offset + 1]) + 1;
    offset += 2;
  } else blockSize = 256 << (blockCode - 8);
  offset += rateCode === 12 ? 1 : rateCode === 13 || rateCode === 14 ? 2 : 0;
  if (offset >= file.length || crc8(file, at, offset) !== file[offset]) return undefined;
  return { frameNumber, blockSize };
}

/**
 * The whole output of FlacStreamEncoder as a complete file: STREAMINFO's total sample count,
 * which a stream leaves at 0 (unknown), set to the exact count, so players and tools show the
 * duration. The count is read from the last frame, found as the last frame header whose CRC-16
 * covers exactly the bytes from it to the end: its frame number × the fixed block size plus its
 * own block size.
 */
export function withExactFlacLength(stream: Buffer): Buffer {
  if (
    stream.length < STREAMINFO_OFFSET + STREAMINFO_BYTES ||
    stream.toString('latin1', 0, 4) !== 'fLaC' ||
    (stream[4] & 0x7f) !== 0
  ) {
    throw new Error('not the output of FlacStreamEncoder (no fLaC STREAMINFO)');
  }
  const fixedBlockSize = stream.readUInt16BE(STREAMINFO_OFFSET);
  const firstFrame = lastMetadataEnd(stream);
  if (stream.length === firstFrame) return withTotalSamples(stream, 0);
  const footer = stream.length - 2;
  const frameCrc = stream.readUInt16BE(footer);
  for (let at = footer - MIN_FRAME_HEADER_BYTES; at >= firstFrame; at--) {
    at = stream.lastIndexOf(0xff, at);
    if (at < firstFrame) break;
    const header = frameHeaderAt(stream, at);
    if (header && crc16(stream, at, footer) === frameCrc) {
      return withTotalSamples(stream, header.frameNumber * fixedBlockSize + header.blockSize);
    }
  }
  throw new Error('FLAC stream without a complete last frame');
}

/** The offset just past the last metadata block (where the first frame would begin). */
function lastMetadataEnd(stream: Buffer): number {
  let offset = 4;
  for (;;) {
    const last = (stream[offset] & 0x80) !== 0;
    offset += 4 + stream.readUIntBE(offset + 1, 3);
    if (last || offset + 4 > stream.length) return Math.min(offset, stream.length);
  }
}

function withTotalSamples(stream: Buffer, totalSamples: number): Buffer {
  const file = Buffer.from(stream);
  file[TOTAL_SAMPLES_OFFSET] =
    (file[TOTAL_SAMPLES_OFFSET] & 0xf0) | Math.floor(totalSamples / 2 ** 32);
  file.writeUInt32BE(totalSamples % 2 ** 32, TOTAL_SAMPLES_OFFSET + 1);
  return file;
}
