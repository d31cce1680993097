import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import type { OutputAudioFormat } from '../../audio/audio.types.js';
import {
  BIT_RATES,
  DEFAULT_BIT_RATE,
  DEFAULT_OUTPUT_FORMAT,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_SPEED,
  DEFAULT_VOLUME,
  MAX_SAMPLE_RATE,
  MAX_SPEED,
  MAX_VOLUME,
  MIN_SAMPLE_RATE,
  MIN_SPEED,
  OUTPUT_FORMATS,
} from '../synthesis.constants.js';

/**
 * Output options accepted both inside `input` and beside it (REST), and in the WebSocket
 * `run-task` parameters. All optional; the defaults are those of the API.
 */
export class SpeechOptionsDto {
  @ApiPropertyOptional({
    description: 'Output sample rate in Hz; the model runs at 24000 and the audio is resampled.',
    default: DEFAULT_SAMPLE_RATE,
    minimum: MIN_SAMPLE_RATE,
    maximum: MAX_SAMPLE_RATE,
    example: 24000,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_SAMPLE_RATE)
  @Max(MAX_SAMPLE_RATE)
  sample_rate?: number;

  @ApiPropertyOptional({
    description: 'MP3 bit rate (ignored for wav and pcm); 384k is encoded at the MP3 maximum 320k.',
    enum: BIT_RATES,
    default: DEFAULT_BIT_RATE,
    example: '192k',
  })
  @IsOptional()
  @IsIn(BIT_RATES)
  bit_rate?: string;

  @ApiPropertyOptional({
    description: 'Gain factor (3.0 = three times as loud); loud samples are clipped.',
    default: DEFAULT_VOLUME,
    minimum: 0,
    maximum: MAX_VOLUME,
    example: 1.0,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_VOLUME)
  volume?: number;

  @ApiPropertyOptional({
    description: 'Speaking rate.',
    default: DEFAULT_SPEED,
    minimum: MIN_SPEED,
    maximum: MAX_SPEED,
    example: 1.0,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(MIN_SPEED)
  @Max(MAX_SPEED)
  speed?: number;

  @ApiPropertyOptional({
    description:
      'Audio format: wav (16-bit PCM), mp3, or pcm (raw 16-bit little-endian mono); ' +
      'extensions: opus (Opus in Ogg, decoded at 48 kHz) and flac (16-bit).',
    enum: OUTPUT_FORMATS,
    default: DEFAULT_OUTPUT_FORMAT,
    example: 'wav',
  })
  @IsOptional()
  @IsIn(OUTPUT_FORMATS)
  output_format?: OutputAudioFormat;

  @ApiPropertyOptional({
    description: 'Extension: makes sampling reproducible (same seed, text and voice → same audio).',
    minimum: 0,
    maximum: 2 ** 31 - 1,
    example: 42,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  seed?: number;
}
