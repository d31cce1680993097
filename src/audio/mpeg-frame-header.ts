/** Parsing of MPEG audio Layer III frame headers, used to recognise MP3 data by its bytes. */

export interface MpegFrameHeader {
  sampleRate: number;
  bitRateKbps: number;
  /** Frame length in bytes, header included. */
  frameLength: number;
  /** Audio samples (per channel) the frame decodes to: 1152 for MPEG-1, 576 for MPEG-2/2.5. */
  samplesPerFrame: number;
}

const MPEG1_LAYER3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_LAYER3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};

/** The Layer III frame header at `offset`, or null if the four bytes there are not one. */
export function parseMpegFrameHeader(bytes: Uint8Array, offset: number): MpegFrameHeader | null {
  if (offset + 4 > bytes.length) return null;
  const b1 = bytes[offset + 1];
  const b2 = bytes[offset + 2];
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitRateIndex = b2 >> 4;
  const sampleRateIndex = (b2 >> 2) & 0x03;
  if (version === 1 || layer !== 1 || bitRateIndex === 0 || bitRateIndex === 15) return null;
  if (sampleRateIndex === 3) return null;
  const padding = (b2 >> 1) & 0x01;
  const sampleRate = SAMPLE_RATES[version][sampleRateIndex];
  const bitRateKbps = (version === 3 ? MPEG1_LAYER3_KBPS : MPEG2_LAYER3_KBPS)[bitRateIndex];
  const coefficient = version === 3 ? 144 : 72;
  const frameLength = Math.floor((coefficient * bitRateKbps * 1000) / sampleRate) + padding;
  const samplesPerFrame = version === 3 ? 1152 : 576;
  return { sampleRate, bitRateKbps, frameLength, samplesPerFrame };
}

/** Size of an ID3v2 tag at the start of `bytes` (0 if there is none). */
export function id3v2TagLength(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0;
  const size =
    ((bytes[6] & 0x7f) << 21) |
    ((bytes[7] & 0x7f) << 14) |
    ((bytes[8] & 0x7f) << 7) |
    (bytes[9] & 0x7f);
  const footer = (bytes[5] & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

/**
 * True if `bytes` start with an ID3v2 tag, or with a Layer III frame header that is followed by
 * a second valid header exactly one frame later (or the data ends within the first frame).
 * Requiring two consecutive headers keeps raw PCM that happens to begin with 0xFFEx from being
 * taken for MP3.
 */
export function looksLikeMp3(bytes: Uint8Array): boolean {
  if (id3v2TagLength(bytes) > 0) return true;
  const first = parseMpegFrameHeader(bytes, 0);
  if (!first) return false;
  if (first.frameLength >= bytes.length) return true;
  return parseMpegFrameHeader(bytes, first.frameLength) !== null;
}
