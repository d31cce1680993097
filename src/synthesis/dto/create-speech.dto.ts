import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { SynthesisMode } from '../../inference/inference.types.js';
import { MODEL_ALIASES, MODEL_NAME, SYNTHESIS_MODES } from '../synthesis.constants.js';
import { MAX_INSTRUCT_LENGTH } from '../synthesis-text.limits.js';
import { SpeechOptionsDto } from './speech-options.dto.js';

/** `input` of POST /api/v1/audio/speech; its options win over the same ones beside it. */
export class SpeechInputDto extends SpeechOptionsDto {
  @ApiProperty({
    description:
      'fast_replication (clone with the prompt transcript), cross_lingual_replication ' +
      '(prompt speech only), natural_language_replication (style from `instruct`).',
    enum: SYNTHESIS_MODES,
    example: 'natural_language_replication',
  })
  @IsIn(SYNTHESIS_MODES)
  mode!: SynthesisMode;

  @ApiProperty({
    description: 'Text to speak.',
    example: '北京, 你好, 收到好友从远方寄来的生日礼物。',
  })
  @IsString()
  @IsNotEmpty()
  text!: string;

  @ApiProperty({
    description: 'Id of a stored reference audio (the voice to clone).',
    example: '50a5fdb9-c3ad-445a-adbb-3be327500000',
  })
  @IsString()
  @IsNotEmpty()
  reference_audio_id!: string;

  @ApiPropertyOptional({
    description: 'Style instruction; required for natural_language_replication, else ignored.',
    example: '用四川话说',
    maxLength: MAX_INSTRUCT_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_INSTRUCT_LENGTH, {
    message: `instruct is longer than ${MAX_INSTRUCT_LENGTH} characters`,
  })
  instruct?: string;
}

/** Body of POST /api/v1/audio/speech. */
export class CreateSpeechDto extends SpeechOptionsDto {
  @ApiProperty({
    description: `Model name; the WebSocket alias cosyvoice-v2 is accepted too.`,
    enum: MODEL_ALIASES,
    example: MODEL_NAME,
  })
  @IsString()
  @IsNotEmpty()
  model!: string;

  @ApiProperty({ type: () => SpeechInputDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => SpeechInputDto)
  input!: SpeechInputDto;

  @ApiPropertyOptional({
    description: 'true: server-sent events, one per audio chunk; false: one JSON answer.',
    default: true,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;
}
