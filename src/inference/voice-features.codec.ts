import { PROMPT_MEL_BINS, type VoiceFeatures } from './inference.types.js';

const MAGIC = 0x46325643; // "CV2F" little-endian
const VERSION = 1;
const HEADER_BYTES = 20;

/**
 * Binary layout (little-endian): magic u32, version u32, embedding length u32,
 * token count u32, mel frames u32, then f32 embedding, i32 tokens, f32 mel [frames, 80].
 */
export function encodeVoiceFeatures(features: VoiceFeatures): Buffer {
  const { speakerEmbedding, speechTokens, promptMel, promptMelFrames } = features;
  if (promptMel.length !== promptMelFrames * PROMPT_MEL_BINS) {
    throw new Error(`prompt mel has ${promptMel.length} values, expected ${promptMelFrames} x 80`);
  }
  const buffer = Buffer.alloc(
    HEADER_BYTES + 4 * (speakerEmbedding.length + speechTokens.length + promptMel.length),
  );
  buffer.writeUInt32LE(MAGIC, 0);
  buffer.writeUInt32LE(VERSION, 4);
  buffer.writeUInt32LE(speakerEmbedding.length, 8);
  buffer.writeUInt32LE(speechTokens.length, 12);
  buffer.writeUInt32LE(promptMelFrames, 16);
  let offset = HEADER_BYTES;
  for (const array of [speakerEmbedding, speechTokens, promptMel]) {
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(buffer, offset);
    offset += array.byteLength;
  }
  return buffer;
}

export function decodeVoiceFeatures(buffer: Buffer): VoiceFeatures {
  if (buffer.length < HEADER_BYTES || buffer.readUInt32LE(0) !== MAGIC) {
    throw new Error('not a voice feature blob');
  }
  const version = buffer.readUInt32LE(4);
  if (version !== VERSION) {
    throw new Error(`unsupported voice feature blob version ${version}`);
  }
  const embeddingLength = buffer.readUInt32LE(8);
  const tokenCount = buffer.readUInt32LE(12);
  const melFrames = buffer.readUInt32LE(16);
  const expected = HEADER_BYTES + 4 * (embeddingLength + tokenCount + melFrames * PROMPT_MEL_BINS);
  if (buffer.length !== expected) {
    throw new Error(`voice feature blob has ${buffer.length} bytes, expected ${expected}`);
  }
  // Copy into a fresh, aligned ArrayBuffer so typed-array views are valid.
  const body = new Uint8Array(buffer.subarray(HEADER_BYTES)).buffer;
  let offset = 0;
  const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, count: number): T => {
    const view = make(body, offset, count);
    offset += 4 * count;
    return view;
  };
  return {
    speakerEmbedding: take((b, o, n) => new Float32Array(b, o, n), embeddingLength),
    speechTokens: take((b, o, n) => new Int32Array(b, o, n), tokenCount),
    promptMel: take((b, o, n) => new Float32Array(b, o, n), melFrames * PROMPT_MEL_BINS),
    promptMelFrames: melFrames,
  };
}
