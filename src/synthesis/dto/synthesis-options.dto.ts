import { OUTPUT_FORMATS, DEFAULT_OUTPUT_FORMAT } from '../synthesis.constants.js';
import type { OutputAudioFormat } from '../../audio/audio.types.js';
import {
  BitRateField,
  OutputFormatField,
  SampleRateField,
  SeedField,
  SpeedField,
  VolumeField,
} from './synthesis-fields.js';

/**
 * The output options of the managed API, all optional with the API's defaults: inside and beside
 * REST `input`, and in the WebSocket `run-task` parameters.
 */
export class SynthesisOptionsDto {
  @SampleRateField()
  sample_rate?: number;

  @BitRateField()
  bit_rate?: string;

  @VolumeField()
  volume?: number;

  @SpeedField()
  speed?: number;

  @OutputFormatField(OUTPUT_FORMATS, {
    description:
      'Audio format: wav (16-bit PCM), mp3, or pcm (raw 16-bit little-endian mono); ' +
      'extensions: opus (Opus in Ogg, decoded at 48 kHz) and flac (16-bit).',
    default: DEFAULT_OUTPUT_FORMAT,
    example: 'wav',
  })
  output_format?: OutputAudioFormat;

  @SeedField()
  seed?: number;
}
