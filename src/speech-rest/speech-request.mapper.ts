import type { CreateSpeechDto } from './dto/create-speech.dto.js';
import type { SynthesisRequest } from '../synthesis/synthesis-request.js';
import { withoutInvisible } from '../synthesis/speech-text.js';
import { instructionFor, synthesisOptions } from '../synthesis/synthesis-options.js';

/**
 * Turns the validated REST body into a SynthesisRequest. `input` already holds the options given
 * beside it (see CreateSpeechDto). `stream` defaults to true; invisible characters
 * are left out of the text.
 */
export function toSynthesisRequest(dto: CreateSpeechDto): SynthesisRequest {
  const { input } = dto;
  const stream = dto.stream ?? true;
  return {
    transport: stream ? 'sse' : 'http',
    mode: input.mode,
    text: withoutInvisible(input.text),
    referenceAudioId: input.reference_audio_id,
    instruct: instructionFor(input.mode, input.instruct),
    ...synthesisOptions(input),
    stream,
    wholeFile: !stream,
  };
}
