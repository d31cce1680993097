import { ApiProperty } from '@nestjs/swagger';

export class SpeechAudioDto {
  @ApiProperty({
    description:
      'Base64 of the audio: the whole file (stream=false) or the next piece of it (SSE). ' +
      'All SSE pieces concatenated form one valid file.',
    example: 'UklGRv////9XQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0Yf////8=',
  })
  data!: string;
}

export class SpeechOutputDto {
  @ApiProperty({
    description: '"stop" on the last answer; null on intermediate SSE events.',
    nullable: true,
    type: String,
    example: 'stop',
  })
  finish_reason!: string | null;

  @ApiProperty({ type: () => SpeechAudioDto })
  audio!: SpeechAudioDto;
}

export class SpeechStreamErrorDto {
  @ApiProperty({ example: 'SynthesisFailed' })
  code!: string;

  @ApiProperty({ example: 'synthesis failed: ...' })
  message!: string;
}

/**
 * The answer of stream=false, and the shape of every SSE event (`data: {...}`) of stream=true.
 * A failure after the stream began is reported by a last event whose `error` is set.
 */
export class SpeechResponseDto {
  @ApiProperty({ type: () => SpeechOutputDto })
  output!: SpeechOutputDto;

  @ApiProperty({ format: 'uuid', example: 'f90a65be-f47b-46b5-9ddc-70bae5500000' })
  request_id!: string;

  @ApiProperty({ type: () => SpeechStreamErrorDto, nullable: true, example: null })
  error!: SpeechStreamErrorDto | null;
}
