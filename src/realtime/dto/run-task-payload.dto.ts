import { Type } from 'class-transformer';
import { IsObject, ValidateNested } from 'class-validator';
import { ModelField } from '../../synthesis/dto/synthesis-fields.js';
import { MODEL_ALIASES } from '../../synthesis/synthesis.constants.js';
import { RunTaskParametersDto } from './run-task-parameters.dto.js';

const PARAMETERS_REQUIRED = 'parameters is required: an object with mode, reference_audio_id, ...';

/** `payload` of a WebSocket `run-task`: the model and the synthesis parameters. */
export class RunTaskPayloadDto {
  @ModelField(MODEL_ALIASES)
  model!: string;

  @IsObject({ message: PARAMETERS_REQUIRED })
  @ValidateNested({ message: PARAMETERS_REQUIRED })
  @Type(() => RunTaskParametersDto)
  parameters!: RunTaskParametersDto;
}
