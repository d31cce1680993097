import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { isRecord } from '../../common/is-record.js';
import { MODEL_ALIASES, MODEL_NAME } from '../../synthesis/synthesis.constants.js';
import { ModelField, SpeechTextField } from '../../synthesis/dto/synthesis-fields.js';
import { SynthesisOptionsDto } from '../../synthesis/dto/synthesis-options.dto.js';
import { SynthesisParametersDto } from '../../synthesis/dto/synthesis-parameters.dto.js';

/** The option fields that may sit beside `input` as well as inside it. */
const OPTION_FIELDS = [
  'sample_rate',
  'bit_rate',
  'volume',
  'speed',
  'output_format',
  'seed',
] as const satisfies readonly (keyof SynthesisOptionsDto)[];

const INPUT_REQUIRED = 'input is required: an object with mode, text, reference_audio_id, ...';

/** `input` of POST /api/v1/audio/speech, holding the effective options once transformed. */
export class SpeechInputDto extends SynthesisParametersDto {
  @SpeechTextField({ example: '北京, 你好, 收到好友从远方寄来的生日礼物。' })
  text!: string;
}

/**
 * `input` with the options given beside it filled in where `input` has none (`input` wins), so
 * that every rule, the cross-field ones included, sees the options the synthesis will use.
 */
function effectiveInput(input: unknown, body: unknown): unknown {
  if (!isRecord(input)) {
    return input;
  }
  const beside = isRecord(body) ? body : {};
  const merged: Record<string, unknown> = { ...input };
  for (const name of OPTION_FIELDS) {
    if (merged[name] === undefined && beside[name] !== undefined) {
      merged[name] = beside[name];
    }
  }
  return plainToInstance(SpeechInputDto, merged);
}

/** Body of POST /api/v1/audio/speech. */
export class CreateSpeechDto extends SynthesisOptionsDto {
  @ModelField(MODEL_ALIASES, {
    description: 'Model name; the WebSocket alias cosyvoice-v2 is accepted too.',
    example: MODEL_NAME,
  })
  model!: string;

  @ApiProperty({ type: () => SpeechInputDto })
  @Transform(({ value, obj }) => effectiveInput(value, obj))
  @IsObject({ message: INPUT_REQUIRED })
  @ValidateNested({ message: INPUT_REQUIRED })
  input!: SpeechInputDto;

  @ApiPropertyOptional({
    description: 'true: server-sent events, one per audio chunk; false: one JSON answer.',
    default: true,
    example: false,
  })
  @IsOptional()
  @IsBoolean({ message: 'stream must be a boolean' })
  stream?: boolean;
}
