import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { FieldRule, type FieldProblem } from '../../common/field-rule.decorator.js';
import {
  BIT_RATES,
  DEFAULT_BIT_RATE,
  DEFAULT_OUTPUT_FORMAT,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_SPEED,
  DEFAULT_VOLUME,
  MAX_SAMPLE_RATE,
  MAX_SEED,
  MAX_SPEED,
  MAX_VOLUME,
  MIN_SAMPLE_RATE,
  MIN_SPEED,
  MP3_SAMPLE_RATES,
  SYNTHESIS_MODES,
} from '../synthesis.constants.js';
import { MAX_INSTRUCT_LENGTH, unsplitTextProblem } from '../synthesis-text.limits.js';

/**
 * The one description of a synthesis request's fields: for each, its OpenAPI schema and its rule
 * (type, range, list, and the cross-field rules), as one decorator that every transport's DTO
 * puts on its field (REST body and `input`, WebSocket `run-task` parameters, the OpenAI body).
 * A field keeps its rule under whatever name its transport gives it: messages begin with the
 * wire name of the field (`speed must be …`, `instructions is longer than …`). Nothing checks
 * these rules again after the DTO.
 */

const absent = (value: unknown): value is undefined | null => value === undefined || value === null;

const shown = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** The mode whose instruction comes from the request (`instruct`). */
export const INSTRUCT_MODE = 'natural_language_replication';

/** A value of `list`; `required`: absent is refused too. */
export function inList(list: readonly unknown[], required: boolean): FieldProblem {
  return (value, field) => {
    if (absent(value)) {
      return required ? `${field} is required: one of ${list.join(', ')}` : undefined;
    }
    return list.includes(value)
      ? undefined
      : `${field} must be one of ${list.join(', ')}; got ${shown(value)}`;
  };
}

function numberIn(min: number, max: number, integer: boolean): FieldProblem {
  return (value, field) => {
    if (absent(value)) {
      return undefined;
    }
    const fits =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value)) &&
      value >= min &&
      value <= max;
    return fits
      ? undefined
      : `${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
  };
}

const requiredText: FieldProblem = (value, field) => {
  if (absent(value)) {
    return `${field} is required`;
  }
  if (typeof value !== 'string') {
    return `${field} must be a string`;
  }
  if (value.trim() === '') {
    return `${field} must not be empty`;
  }
  return unsplitTextProblem(value, field);
};

const referenceAudioId: FieldProblem = (value, field) => {
  if (absent(value) || value === '') {
    return `${field} is required: the id of a stored reference audio`;
  }
  return typeof value === 'string' ? undefined : `${field} must be a string`;
};

function instruction(requiredInInstructMode: boolean): FieldProblem {
  return (value, field, object) => {
    if (!absent(value) && typeof value !== 'string') {
      return `${field} must be a string`;
    }
    if (typeof value === 'string' && [...value].length > MAX_INSTRUCT_LENGTH) {
      return `${field} is longer than ${MAX_INSTRUCT_LENGTH} characters`;
    }
    const mode = (object as { mode?: unknown }).mode;
    const text = typeof value === 'string' ? value.trim() : '';
    if (requiredInInstructMode && mode === INSTRUCT_MODE && text === '') {
      return `${field} is required for ${INSTRUCT_MODE}`;
    }
    return undefined;
  };
}

const sampleRate: FieldProblem = (value, field, object) => {
  const range = numberIn(MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, true)(value, field, object);
  if (range !== undefined || absent(value)) {
    return range;
  }
  const format = (object as { output_format?: unknown }).output_format ?? DEFAULT_OUTPUT_FORMAT;
  return format === 'mp3' && !MP3_SAMPLE_RATES.includes(value as number)
    ? `${field} ${shown(value)} cannot be carried by mp3; use one of ${MP3_SAMPLE_RATES.join(', ')}`
    : undefined;
};

function field(
  required: boolean,
  schema: ApiPropertyOptions,
  problem: FieldProblem,
): PropertyDecorator {
  const document = required ? ApiProperty(schema) : ApiPropertyOptional(schema);
  return applyDecorators(document, FieldRule(problem));
}

/** `model`: one of `models` (required). */
export function ModelField(models: readonly string[], schema: ApiPropertyOptions = {}) {
  return field(
    true,
    { description: 'Model name.', enum: [...models], ...schema },
    inList(models, true),
  );
}

/** `mode` (required). */
export function ModeField() {
  return field(
    true,
    {
      description:
        'fast_replication (clone with the prompt transcript), cross_lingual_replication ' +
        `(prompt speech only), ${INSTRUCT_MODE} (style from \`instruct\`).`,
      enum: [...SYNTHESIS_MODES],
      example: INSTRUCT_MODE,
    },
    inList(SYNTHESIS_MODES, true),
  );
}

/**
 * The text to speak (required, not blank). Text with inline `<|…|>` tokens is spoken unsplit and
 * bounded; the service bounds every text by MAX_TEXT_LENGTH.
 */
export function SpeechTextField(schema: ApiPropertyOptions = {}) {
  return field(
    true,
    { description: 'Text to speak.', type: 'string', minLength: 1, ...schema },
    requiredText,
  );
}

/** The voice to clone: the id of a stored reference audio (required). */
export function ReferenceAudioIdField(schema: ApiPropertyOptions = {}) {
  return field(
    true,
    {
      description: 'Id of a stored reference audio (the voice to clone).',
      type: 'string',
      ...schema,
    },
    referenceAudioId,
  );
}

/**
 * A natural-language style instruction of at most MAX_INSTRUCT_LENGTH characters.
 * `requiredInInstructMode`: the sibling `mode` decides whether it is required (REST, WebSocket);
 * without it the instruction's presence chooses the mode (OpenAI).
 */
export function InstructField(requiredInInstructMode: boolean, schema: ApiPropertyOptions = {}) {
  return field(
    false,
    { type: 'string', maxLength: MAX_INSTRUCT_LENGTH, ...schema },
    instruction(requiredInInstructMode),
  );
}

/** `sample_rate`: an integer in Hz; with mp3, one MP3 can carry. */
export function SampleRateField() {
  return field(
    false,
    {
      description:
        'Output sample rate in Hz; the model runs at 24000 and the audio is resampled. With ' +
        `mp3, one of ${MP3_SAMPLE_RATES.join(', ')}.`,
      type: 'integer',
      default: DEFAULT_SAMPLE_RATE,
      minimum: MIN_SAMPLE_RATE,
      maximum: MAX_SAMPLE_RATE,
      example: 24000,
    },
    sampleRate,
  );
}

/** `bit_rate`: the MP3 bit rate. */
export function BitRateField() {
  return field(
    false,
    {
      description:
        'MP3 bit rate (ignored by the other formats); 384k is encoded at the MP3 maximum 320k.',
      enum: BIT_RATES,
      default: DEFAULT_BIT_RATE,
      example: '192k',
    },
    inList(BIT_RATES, false),
  );
}

/** `volume`: a gain factor. */
export function VolumeField() {
  return field(
    false,
    {
      description: 'Gain factor (3.0 = three times as loud); loud samples are clipped.',
      type: 'number',
      default: DEFAULT_VOLUME,
      minimum: 0,
      maximum: MAX_VOLUME,
      example: 1.0,
    },
    numberIn(0, MAX_VOLUME, false),
  );
}

/** `speed`: the speaking rate, from `min` to `max` (the model's range unless a transport maps its own). */
export function SpeedField(min = MIN_SPEED, max = MAX_SPEED, schema: ApiPropertyOptions = {}) {
  return field(
    false,
    {
      description: 'Speaking rate.',
      type: 'number',
      default: DEFAULT_SPEED,
      minimum: min,
      maximum: max,
      example: 1.0,
      ...schema,
    },
    numberIn(min, max, false),
  );
}

/** The audio format, one of `formats`. */
export function OutputFormatField(formats: readonly string[], schema: ApiPropertyOptions = {}) {
  return field(false, { enum: [...formats], ...schema }, inList(formats, false));
}

/** `seed` (extension): reproducible sampling. */
export function SeedField() {
  return field(
    false,
    {
      description:
        'Extension: makes sampling reproducible (same seed, text and voice → same audio).',
      type: 'integer',
      minimum: 0,
      maximum: MAX_SEED,
      example: 42,
    },
    numberIn(0, MAX_SEED, true),
  );
}
