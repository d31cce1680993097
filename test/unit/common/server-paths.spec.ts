import { describe, expect, it } from 'vitest';
import { withoutServerPaths } from '../../../src/common/server-paths.js';

describe('withoutServerPaths', () => {
  it.each([
    [
      'Model directory /srv/models/cosyvoice2 does not exist (MODEL_DIR) — run: npm run models:download',
      'Model directory cosyvoice2 does not exist (MODEL_DIR) — run: npm run models:download',
    ],
    [
      'Model pack in /data/pack/ is incomplete: missing CosyVoice2-0.5B_hift.onnx',
      'Model pack in pack is incomplete: missing CosyVoice2-0.5B_hift.onnx',
    ],
    [
      'CosyVoice2-0.5B_llm.onnx: onnxruntime could not load it (Load model from /opt/m/CosyVoice2-0.5B_llm.onnx failed:Protobuf parsing failed.)',
      'CosyVoice2-0.5B_llm.onnx: onnxruntime could not load it (Load model from CosyVoice2-0.5B_llm.onnx failed:Protobuf parsing failed.)',
    ],
  ])('%s', (text, expected) => {
    expect(withoutServerPaths(text)).toBe(expected);
  });

  it('keeps URLs, relative paths, file names and slashes between words', () => {
    const text =
      'see https://example.com/models/x and ./models/pack or models/pack, CosyVoice2-0.5B_hift.onnx, 1/2 and/or';
    expect(withoutServerPaths(text)).toBe(text);
  });
});
