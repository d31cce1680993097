import { withoutInvisible } from './speech-text.js';
import type { SynthesisMode } from '../inference/inference.types.js';
import type { SynthesisOptionsDto } from './dto/synthesis-options.dto.js';
import { INSTRUCT_MODE } from './dto/synthesis-fields.js';
import type { SynthesisRequest } from './synthesis-request.js';
import {
  DEFAULT_BIT_RATE,
  DEFAULT_OUTPUT_FORMAT,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_SPEED,
  DEFAULT_VOLUME,
  bitRateKbps,
} from './synthesis.constants.js';

/** The managed API's output options of a validated DTO, with the API's defaults filled in. */
export function synthesisOptions(
  options: SynthesisOptionsDto,
): Pick<SynthesisRequest, 'output' | 'speed' | 'seed'> {
  return {
    output: {
      format: options.output_format ?? DEFAULT_OUTPUT_FORMAT,
      sampleRate: options.sample_rate ?? DEFAULT_SAMPLE_RATE,
      bitRateKbps: bitRateKbps(options.bit_rate ?? DEFAULT_BIT_RATE),
      volume: options.volume ?? DEFAULT_VOLUME,
    },
    speed: options.speed ?? DEFAULT_SPEED,
    seed: options.seed ?? undefined,
  };
}

/**
 * The instruction the engine gets: `instruct` in the instruct mode, trimmed and without invisible
 * characters; else none.
 */
export function instructionFor(
  mode: SynthesisMode,
  instruct: string | undefined,
): string | undefined {
  return mode === INSTRUCT_MODE && instruct !== undefined
    ? withoutInvisible(instruct).trim()
    : undefined;
}
