import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The reference audio object of the API: `{"id","filename","bytes","created_at","text"}`, plus
 * `name` for a voice that was given one.
 */
export class ReferenceAudioDto {
  @ApiProperty({
    description: 'Reference audio id (UUID v4)',
    format: 'uuid',
    example: '50a5fdb9-c3ad-445a-adbb-3be327500000',
  })
  id!: string;

  @ApiProperty({ description: 'Name of the uploaded file', example: 'zero_shot_prompt.wav' })
  filename!: string;

  @ApiProperty({
    description: 'Size of the uploaded file in bytes',
    type: 'integer',
    example: 111496,
  })
  bytes!: number;

  @ApiProperty({ description: 'Upload time, Unix seconds', type: 'integer', example: 1748416005 })
  created_at!: number;

  @ApiProperty({
    description: 'Transcript of the audio',
    example: '希望你以后能够做得比我还好哟',
  })
  text!: string;

  @ApiProperty({
    description: 'Extension: length of the decoded audio in seconds',
    example: 3.48,
  })
  duration!: number;

  @ApiPropertyOptional({
    description: 'Extension: the name given at upload (absent when none was given)',
    example: 'narrator',
  })
  name?: string;
}
