import type { SynthesisMode } from '../../inference/inference.types.js';
import { InstructField, ModeField, ReferenceAudioIdField } from './synthesis-fields.js';
import { SynthesisOptionsDto } from './synthesis-options.dto.js';

/**
 * What a synthesis of the managed API is besides its text: the mode, the voice, the instruction
 * and the output options (REST `input` adds the text; a WebSocket task sends it in pieces).
 */
export class SynthesisParametersDto extends SynthesisOptionsDto {
  @ModeField()
  mode!: SynthesisMode;

  @ReferenceAudioIdField({
    description:
      'Id of a stored reference audio (the voice to clone). Replace the example with an id from ' +
      'POST or GET /api/v1/audio/reference_audio: the example id is not a stored voice (404).',
    example: 'replace-with-an-id-from-GET-/api/v1/audio/reference_audio',
  })
  reference_audio_id!: string;

  @InstructField(true, {
    description:
      'Style instruction; required for natural_language_replication, else ignored (the ' +
      "source's clients send '').",
    example: '用四川话说',
  })
  instruct?: string;
}
