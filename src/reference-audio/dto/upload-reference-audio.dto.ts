import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export const MAX_TRANSCRIPT_LENGTH = 1000;
/** Reference audio below 16 kHz is refused (see MIN_REFERENCE_SAMPLE_RATE). */
export const MIN_PCM_SAMPLE_RATE = 16000;
export const MAX_PCM_SAMPLE_RATE = 48000;

/**
 * A voice name: 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit, and not shaped
 * like an id (a UUID), so a `voice` is never both. Names are case-insensitive, the same on every
 * database: an upload's name is stored in lower case (`Narrator` becomes `narrator`) and every
 * lookup lower-cases what it is given (see voiceNameKey).
 */
export const VOICE_NAME_PATTERN =
  /^(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)[a-z0-9][a-z0-9._-]{0,63}$/;
const VOICE_NAME_RULE =
  "name must be 1-64 characters of letters, digits, '.', '_' or '-', start with a letter or " +
  'digit, and not look like an id';

/** How a voice name is stored and looked up: in lower case (names are case-insensitive). */
export function voiceNameKey(name: string): string {
  return name.trim().toLowerCase();
}

/** The text fields of the multipart upload (validated; the file part is read separately). */
export class UploadReferenceAudioFieldsDto {
  @ApiProperty({
    description: 'Transcript of the audio (what is said in it)',
    example: '希望你以后能够做得比我还好哟',
    maxLength: MAX_TRANSCRIPT_LENGTH,
  })
  // Checked bottom-up: presence first, then length.
  @MaxLength(MAX_TRANSCRIPT_LENGTH, {
    message: `text must be at most ${MAX_TRANSCRIPT_LENGTH} characters`,
  })
  @MinLength(1, { message: 'text must not be empty' })
  @IsString({ message: 'text is required' })
  text!: string;

  @ApiPropertyOptional({
    description: 'Sample rate in Hz of a raw PCM file (16-bit LE mono); ignored for WAV and MP3',
    type: 'integer',
    minimum: MIN_PCM_SAMPLE_RATE,
    maximum: MAX_PCM_SAMPLE_RATE,
    default: 16000,
    example: 16000,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'sample_rate must be an integer' })
  @Min(MIN_PCM_SAMPLE_RATE, {
    message: `sample_rate must be between ${MIN_PCM_SAMPLE_RATE} and ${MAX_PCM_SAMPLE_RATE}`,
  })
  @Max(MAX_PCM_SAMPLE_RATE, {
    message: `sample_rate must be between ${MIN_PCM_SAMPLE_RATE} and ${MAX_PCM_SAMPLE_RATE}`,
  })
  sample_rate?: number;

  @ApiPropertyOptional({
    description:
      'Extension: a unique human-readable name for the voice, usable as `voice` of the ' +
      "OpenAI-compatible API: 1-64 of letters, digits, '.', '_', '-', starting with a letter or " +
      'digit. Case-insensitive: stored in lower case, matched in any case.',
    pattern: VOICE_NAME_PATTERN.source.replaceAll('a-f', 'a-fA-F').replaceAll('a-z', 'a-zA-Z'),
    example: 'narrator',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @Matches(VOICE_NAME_PATTERN, { message: VOICE_NAME_RULE })
  @IsString({ message: VOICE_NAME_RULE })
  name?: string;
}

/** The whole multipart body as documented in OpenAPI (`file` + the fields above). */
export class UploadReferenceAudioBodyDto extends UploadReferenceAudioFieldsDto {
  @ApiProperty({
    description:
      'The audio: WAV, MP3, FLAC, Ogg Opus, Ogg Vorbis, WebM Opus or raw PCM (format recognised from the bytes), 0.5–30 s',
    type: 'string',
    format: 'binary',
  })
  file!: unknown;
}
