import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import type { OutputAudioFormat } from '../../audio/audio.types.js';
import { isRecord } from '../../common/is-record.js';
import { MODEL_NAME } from '../../synthesis/synthesis.constants.js';
import {
  DEFAULT_RESPONSE_FORMAT,
  OPENAI_MAX_SPEED,
  OPENAI_MIN_SPEED,
  OPENAI_MODELS,
  OPENAI_RESPONSE_FORMATS,
  STREAM_FORMATS,
  StreamFormat,
} from '../openai.constants.js';

/** The `{ "id": … }` form of `voice`. */
export interface VoiceReference {
  id: string;
}

/** A non-empty string, or an object whose `id` is one. */
@ValidatorConstraint({ name: 'isVoice' })
class IsVoiceConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    const id = isRecord(value) ? value.id : value;
    return typeof id === 'string' && id.trim() !== '';
  }

  defaultMessage(): string {
    return 'voice must be the id or name of a stored reference audio, or { "id": "<id>" }';
  }
}

/** Body of POST /v1/audio/speech, the OpenAI request. */
export class CreateOpenAiSpeechDto {
  @ApiProperty({
    description: `${MODEL_NAME}, or one of the OpenAI names that stand for it.`,
    enum: OPENAI_MODELS,
    example: 'tts-1',
  })
  @IsIn(OPENAI_MODELS, { message: `model must be one of ${OPENAI_MODELS.join(', ')}` })
  model!: string;

  @ApiProperty({ description: 'The text to speak.', example: 'Hello! How are you today?' })
  @IsString({ message: 'input must be a string' })
  input!: string;

  @ApiProperty({
    description:
      'The voice: the id or the name of a stored reference audio, or `{ "id": "<id or name>" }`.',
    oneOf: [
      { type: 'string' },
      { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    ],
    example: 'narrator',
  })
  @Validate(IsVoiceConstraint)
  voice!: string | VoiceReference;

  @ApiPropertyOptional({
    description:
      'How to speak (natural-language style instruction): synthesis in the instruct mode. ' +
      "Without it, zero-shot cloning with the voice's transcript.",
    example: 'Speak slowly and warmly.',
  })
  @IsOptional()
  @IsString({ message: 'instructions must be a string' })
  instructions?: string;

  @ApiPropertyOptional({
    description: 'mp3, opus (in Ogg), flac, wav or pcm (raw 24 kHz 16-bit LE mono). No aac.',
    enum: OPENAI_RESPONSE_FORMATS,
    default: DEFAULT_RESPONSE_FORMAT,
  })
  @IsOptional()
  @IsIn(OPENAI_RESPONSE_FORMATS, {
    message: `response_format must be one of ${OPENAI_RESPONSE_FORMATS.join(', ')} (aac is not supported)`,
  })
  response_format?: OutputAudioFormat;

  @ApiPropertyOptional({
    description:
      `OpenAI's range ${OPENAI_MIN_SPEED}–${OPENAI_MAX_SPEED}; the model speaks at 0.5–2.0, ` +
      'so values below 0.5 are spoken at 0.5 and values above 2.0 at 2.0.',
    minimum: OPENAI_MIN_SPEED,
    maximum: OPENAI_MAX_SPEED,
    default: 1.0,
  })
  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: `speed must be a number from ${OPENAI_MIN_SPEED} to ${OPENAI_MAX_SPEED}` },
  )
  @Min(OPENAI_MIN_SPEED, {
    message: `speed must be a number from ${OPENAI_MIN_SPEED} to ${OPENAI_MAX_SPEED}`,
  })
  @Max(OPENAI_MAX_SPEED, {
    message: `speed must be a number from ${OPENAI_MIN_SPEED} to ${OPENAI_MAX_SPEED}`,
  })
  speed?: number;

  @ApiPropertyOptional({
    description:
      '`audio` (the default): the encoded bytes, sent as they are produced (chunked). `sse`: ' +
      'server-sent `speech.audio.delta` events with base64 audio, then `speech.audio.done`.',
    enum: STREAM_FORMATS,
    default: 'audio',
  })
  @IsOptional()
  @IsIn(STREAM_FORMATS, { message: `stream_format must be one of ${STREAM_FORMATS.join(', ')}` })
  stream_format?: StreamFormat;

  @ApiPropertyOptional({
    description: 'Extension: makes sampling reproducible (same seed, text and voice → same audio).',
    minimum: 0,
  })
  @IsOptional()
  @IsInt({ message: 'seed must be a non-negative integer' })
  @Min(0, { message: 'seed must be a non-negative integer' })
  seed?: number;
}
