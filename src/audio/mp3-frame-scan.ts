import { id3v2TagLength, MpegFrameHeader, parseMpegFrameHeader } from './mpeg-frame-header.js';

/** What the frame headers of an MP3 file say, found without decoding any audio. */
export interface Mp3FrameScan {
  /** Layer III frames found in chains of back-to-back headers. */
  frames: number;
  /** Seconds of audio those frames decode to. */
  durationSeconds: number;
  /** Bytes inside those frames. */
  frameBytes: number;
  /** Bytes after the leading ID3v2 tag: frames plus whatever else the file holds. */
  payloadBytes: number;
}

/**
 * Walks an MP3 file by its frame headers: after the ID3v2 tag, every Layer III header that is
 * followed by another one exactly one frame later starts a chain, and the chain goes on while
 * each frame is followed by the next header. Bytes outside chains (junk, trailing tags) are
 * skipped one at a time until a new chain starts. Costs one pass over the bytes and no memory,
 * so the duration is known before a single frame is decoded.
 */
export function scanMp3Frames(bytes: Uint8Array): Mp3FrameScan {
  const start = Math.min(id3v2TagLength(bytes), bytes.length);
  const scan: Mp3FrameScan = {
    frames: 0,
    durationSeconds: 0,
    frameBytes: 0,
    payloadBytes: bytes.length - start,
  };
  let offset = start;
  let inChain = false;
  while (offset + 4 <= bytes.length) {
    const header = parseMpegFrameHeader(bytes, offset);
    if (header && (inChain || startsChain(bytes, offset, header))) {
      scan.frames++;
      scan.durationSeconds += header.samplesPerFrame / header.sampleRate;
      scan.frameBytes += Math.min(header.frameLength, bytes.length - offset);
      offset += header.frameLength;
      inChain = true;
    } else {
      inChain = false;
      offset++;
    }
  }
  return scan;
}

/** A header starts a chain when the next frame's header follows it, or the data ends first. */
function startsChain(bytes: Uint8Array, offset: number, header: MpegFrameHeader): boolean {
  const next = offset + header.frameLength;
  return next + 4 > bytes.length || parseMpegFrameHeader(bytes, next) !== null;
}
