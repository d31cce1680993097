import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROLE_FILES,
  defaultManifest,
  MODEL_ROLES,
  parseManifest,
} from '../../../src/inference/model-pack/model-pack.manifest.js';

describe('model pack manifest', () => {
  it('maps every role to the official / ailia-models file name by default', () => {
    const manifest = defaultManifest();
    expect(Object.keys(manifest.roles).sort()).toEqual([...MODEL_ROLES].sort());
    expect(manifest.roles.llm.file).toBe('CosyVoice2-0.5B_llm.onnx');
    expect(manifest.roles.flowEstimator.file).toBe('flow.decoder.estimator.fp32.onnx');
    expect(manifest.roles.speechTokenizer.file).toBe('speech_tokenizer_v2.onnx');
    expect(manifest.roles.llmDecoderBias.file).toBe('CosyVoice2-0.5B_llm_decoder_bias.npy');
    expect(manifest.roles.tokenizer.file).toBe('tokenizer.json');
  });

  it('keeps sizes and checksums and fills roles it leaves out with the defaults', () => {
    const sha256 = 'a'.repeat(64);
    const manifest = parseManifest({
      format: 'cosyvoice2-pack',
      version: 1,
      roles: { llm: { file: 'exports/my_llm.onnx', size: 12, sha256 } },
      sources: { 'CosyVoice-BlankEN/vocab.json': { size: 3 } },
    });
    expect(manifest.roles.llm).toEqual({ file: 'exports/my_llm.onnx', size: 12, sha256 });
    expect(manifest.roles.hift).toEqual({ file: DEFAULT_ROLE_FILES.hift });
    expect(manifest.sources).toEqual({ 'CosyVoice-BlankEN/vocab.json': { size: 3 } });
  });

  it('keeps the test-pack mark of a generated pack', () => {
    const base = { format: 'cosyvoice2-pack', version: 1 };
    expect(parseManifest({ ...base, testPack: true }).testPack).toBe(true);
    expect(parseManifest(base).testPack).toBeUndefined();
    expect(() => parseManifest({ ...base, testPack: 'yes' })).toThrow(
      '"testPack" must be true or false',
    );
  });

  it('says which field is wrong', () => {
    const base = { format: 'cosyvoice2-pack', version: 1 };
    expect(() => parseManifest({ ...base, version: 2 })).toThrow('"version" must be 1, got 2');
    expect(() => parseManifest({ ...base, roles: { vocoder: { file: 'x' } } })).toThrow(
      'unknown role "vocoder"',
    );
    expect(() => parseManifest({ ...base, roles: { llm: { file: '../llm.onnx' } } })).toThrow(
      '"roles.llm.file" must be a relative path inside the model directory',
    );
    expect(() => parseManifest({ ...base, roles: { llm: { file: 'a', sha256: 'XYZ' } } })).toThrow(
      '"roles.llm.sha256" must be 64 lower-case hex digits',
    );
  });
});
