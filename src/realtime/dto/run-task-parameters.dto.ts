import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { SynthesisMode } from '../../inference/inference.types.js';
import { SpeechOptionsDto } from '../../synthesis/dto/speech-options.dto.js';
import { SYNTHESIS_MODES } from '../../synthesis/synthesis.constants.js';
import { MAX_INSTRUCT_LENGTH } from '../../synthesis/synthesis-text.limits.js';

/** `payload.parameters` of a WebSocket `run-task`. */
export class RunTaskParametersDto extends SpeechOptionsDto {
  @IsIn(SYNTHESIS_MODES)
  mode!: SynthesisMode;

  @IsString()
  @IsNotEmpty()
  reference_audio_id!: string;

  /** Required (non-empty) for natural_language_replication; the source's client sends '' else. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_INSTRUCT_LENGTH, {
    message: `instruct is longer than ${MAX_INSTRUCT_LENGTH} characters`,
  })
  instruct?: string;

  /** Sent by the source's client; metrics are always included, so it changes nothing. */
  @IsOptional()
  @IsBoolean()
  debug?: boolean;
}
