import { IsBoolean, IsOptional } from 'class-validator';
import { SynthesisParametersDto } from '../../synthesis/dto/synthesis-parameters.dto.js';

/** `payload.parameters` of a WebSocket `run-task` (its text arrives in `continue-task` pieces). */
export class RunTaskParametersDto extends SynthesisParametersDto {
  /** Sent by the source's client; metrics are always included, so it changes nothing. */
  @IsOptional()
  @IsBoolean({ message: 'debug must be a boolean' })
  debug?: boolean;
}
