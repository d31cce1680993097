import { expect } from 'vitest';
import type { TextStreamMode } from '../../src/config/app-config.js';
import { CosyVoice2Engine } from '../../src/inference/cosyvoice2/cosyvoice2.engine.js';
import type { VoiceFeatures } from '../../src/inference/inference.types.js';
import { glidingToneSamples } from './reference-audio-fixtures.js';

/**
 * The engine loaded on the CPU with one thread from the pack in `modelDir`, checked loaded, and
 * the voice it extracts from the 3 s gliding test tone.
 */
export async function loadCpuEngine(
  modelDir: string,
  textStreamMode?: TextStreamMode,
): Promise<{ engine: CosyVoice2Engine; voice: VoiceFeatures }> {
  const engine = new CosyVoice2Engine({ modelDir, device: 'cpu', threads: 1, textStreamMode });
  await engine.load();
  expect(engine.status()).toEqual({ loaded: true, device: 'cpu', testPack: true });
  const voice = await engine.extractVoiceFeatures({
    samples: glidingToneSamples(),
    sampleRate: 16000,
  });
  return { engine, voice };
}
