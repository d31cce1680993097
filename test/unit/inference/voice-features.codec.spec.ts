import { describe, expect, it } from 'vitest';
import {
  decodeVoiceFeatures,
  encodeVoiceFeatures,
} from '../../../src/inference/voice-features.codec.js';

describe('voice feature codec', () => {
  const features = {
    speakerEmbedding: Float32Array.from({ length: 192 }, (_, i) => i / 7),
    speechTokens: Int32Array.from([0, 17, 6560, 42]),
    promptMel: Float32Array.from({ length: 8 * 80 }, (_, i) => -i / 3),
    promptMelFrames: 8,
  };

  it('round-trips every value exactly', () => {
    const decoded = decodeVoiceFeatures(encodeVoiceFeatures(features));
    expect(Array.from(decoded.speakerEmbedding)).toEqual(Array.from(features.speakerEmbedding));
    expect(Array.from(decoded.speechTokens)).toEqual([0, 17, 6560, 42]);
    expect(Array.from(decoded.promptMel)).toEqual(Array.from(features.promptMel));
    expect(decoded.promptMelFrames).toBe(8);
  });

  it('rejects truncated or foreign blobs', () => {
    const blob = encodeVoiceFeatures(features);
    expect(() => decodeVoiceFeatures(blob.subarray(0, blob.length - 4))).toThrow(/expected/);
    expect(() => decodeVoiceFeatures(Buffer.from('RIFF....WAVEfmt '))).toThrow(/not a voice/);
  });

  it('refuses a mel whose size does not match its frame count', () => {
    expect(() => encodeVoiceFeatures({ ...features, promptMelFrames: 9 })).toThrow(/expected 9/);
  });
});
