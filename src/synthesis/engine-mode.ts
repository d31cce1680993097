import type { EngineMode, SynthesisMode } from '../inference/inference.types.js';

const ENGINE_MODE_OF: Record<SynthesisMode, EngineMode> = {
  fast_replication: 'zero_shot',
  cross_lingual_replication: 'cross_lingual',
  natural_language_replication: 'instruct2',
};

/** The engine's mode for a mode of the API: the one place where the two vocabularies meet. */
export function engineModeOf(mode: SynthesisMode): EngineMode {
  return ENGINE_MODE_OF[mode];
}
