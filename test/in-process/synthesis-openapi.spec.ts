import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessApp, type InProcessApp } from '../support/in-process-app.js';

interface Schema {
  type?: string;
  enum?: unknown[];
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
}

/**
 * The OpenAPI document shows the rules the shared field decorators enforce (the same decorator
 * carries the schema and the rule), for the managed API's body and for the OpenAI body.
 */
describe('OpenAPI schemas of the synthesis requests (/docs-json)', () => {
  let app: InProcessApp;
  let schemas: Record<string, Schema>;

  beforeAll(async () => {
    app = await startInProcessApp();
    const response = await app.fetch('/docs-json');
    expect(response.status).toBe(200);
    schemas = ((await response.json()) as { components: { schemas: Record<string, Schema> } })
      .components.schemas;
  });

  afterAll(async () => {
    await app?.close();
  });

  const property = (schema: string, name: string) => schemas[schema].properties?.[name];

  it('POST /api/v1/audio/speech: model, input and the options beside it', () => {
    expect(schemas.CreateSpeechDto.required?.sort()).toEqual(['input', 'model']);
    expect(property('CreateSpeechDto', 'model')?.enum).toEqual(['CosyVoice2-0.5B', 'cosyvoice-v2']);
    expect(property('CreateSpeechDto', 'speed')).toMatchObject({
      type: 'number',
      minimum: 0.5,
      maximum: 2,
      default: 1,
    });
    expect(property('CreateSpeechDto', 'sample_rate')).toMatchObject({
      type: 'integer',
      minimum: 8000,
      maximum: 48000,
    });
    expect(property('CreateSpeechDto', 'output_format')?.enum).toEqual([
      'wav',
      'mp3',
      'pcm',
      'opus',
      'flac',
    ]);
    expect(property('CreateSpeechDto', 'seed')).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 2147483647,
    });
  });

  it('its input: mode, text, voice and instruct as enforced', () => {
    expect(schemas.SpeechInputDto.required?.sort()).toEqual(['mode', 'reference_audio_id', 'text']);
    expect(property('SpeechInputDto', 'mode')?.enum).toEqual([
      'fast_replication',
      'cross_lingual_replication',
      'natural_language_replication',
    ]);
    expect(property('SpeechInputDto', 'text')).toMatchObject({ type: 'string', minLength: 1 });
    expect(property('SpeechInputDto', 'instruct')).toMatchObject({
      type: 'string',
      maxLength: 500,
    });
    expect(property('SpeechInputDto', 'volume')).toMatchObject({ minimum: 0, maximum: 10 });
  });

  it('POST /v1/audio/speech: the same rules under OpenAI names, its own speed range', () => {
    expect(schemas.CreateOpenAiSpeechDto.required?.sort()).toEqual(['input', 'model', 'voice']);
    expect(property('CreateOpenAiSpeechDto', 'model')?.enum).toEqual([
      'CosyVoice2-0.5B',
      'cosyvoice-v2',
      'tts-1',
      'tts-1-hd',
      'gpt-4o-mini-tts',
    ]);
    expect(property('CreateOpenAiSpeechDto', 'input')).toMatchObject({
      type: 'string',
      minLength: 1,
    });
    expect(property('CreateOpenAiSpeechDto', 'instructions')).toMatchObject({ maxLength: 500 });
    expect(property('CreateOpenAiSpeechDto', 'speed')).toMatchObject({
      minimum: 0.25,
      maximum: 4,
    });
    expect(property('CreateOpenAiSpeechDto', 'response_format')?.enum).toEqual(
      property('CreateSpeechDto', 'output_format')?.enum,
    );
  });
});
