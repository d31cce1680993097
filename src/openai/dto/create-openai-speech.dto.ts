import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { OutputAudioFormat } from '../../audio/audio.types.js';
import { FieldRule, type FieldProblem } from '../../common/field-rule.decorator.js';
import { isRecord } from '../../common/is-record.js';
import {
  InstructField,
  ModelField,
  OutputFormatField,
  SeedField,
  SpeechTextField,
  SpeedField,
  inList,
} from '../../synthesis/dto/synthesis-fields.js';
import { MODEL_NAME, OUTPUT_FORMATS } from '../../synthesis/synthesis.constants.js';
import {
  DEFAULT_RESPONSE_FORMAT,
  OPENAI_MAX_SPEED,
  OPENAI_MIN_SPEED,
  OPENAI_MODELS,
  STREAM_FORMATS,
  StreamFormat,
} from '../openai.constants.js';

/** The `{ "id": … }` form of `voice`. */
export interface VoiceReference {
  id: string;
}

/** A non-empty string, or an object whose `id` is one. */
const voiceProblem: FieldProblem = (value, field) => {
  const id = isRecord(value) ? value.id : value;
  return typeof id === 'string' && id.trim() !== ''
    ? undefined
    : `${field} must be the id or name of a stored reference audio, or { "id": "<id>" }`;
};

/** Body of POST /v1/audio/speech, the OpenAI request. */
export class CreateOpenAiSpeechDto {
  @ModelField(OPENAI_MODELS, {
    description: `${MODEL_NAME}, or one of the OpenAI names that stand for it.`,
    example: 'tts-1',
  })
  model!: string;

  @SpeechTextField({ description: 'The text to speak.', example: 'Hello! How are you today?' })
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
  @FieldRule(voiceProblem)
  voice!: string | VoiceReference;

  @InstructField(false, {
    description:
      'How to speak (natural-language style instruction): synthesis in the instruct mode. ' +
      "Without it, zero-shot cloning with the voice's transcript.",
    example: 'Speak slowly and warmly.',
  })
  instructions?: string;

  @OutputFormatField(OUTPUT_FORMATS, {
    description: 'wav, mp3, pcm (raw 24 kHz 16-bit LE mono), opus (in Ogg) or flac. No aac.',
    default: DEFAULT_RESPONSE_FORMAT,
  })
  response_format?: OutputAudioFormat;

  @SpeedField(OPENAI_MIN_SPEED, OPENAI_MAX_SPEED, {
    description:
      `OpenAI's range ${OPENAI_MIN_SPEED}–${OPENAI_MAX_SPEED}; the model speaks at 0.5–2.0, ` +
      'so values below 0.5 are spoken at 0.5 and values above 2.0 at 2.0.',
  })
  speed?: number;

  @ApiPropertyOptional({
    description:
      '`audio` (the default): the encoded bytes, sent as they are produced (chunked). `sse`: ' +
      'server-sent `speech.audio.delta` events with base64 audio, then `speech.audio.done`.',
    enum: STREAM_FORMATS,
    default: 'audio',
  })
  @FieldRule(inList(STREAM_FORMATS, false))
  stream_format?: StreamFormat;

  @SeedField()
  seed?: number;
}
