import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OpenAiCatalogService, OpenAiModel, OpenAiVoice } from './openai-catalog.service.js';

const STRING = { type: 'string' } as const;

const MODEL_SCHEMA = {
  type: 'object',
  required: ['id', 'object', 'created', 'owned_by'],
  properties: {
    id: STRING,
    object: { type: 'string', enum: ['model'] },
    created: { type: 'integer' },
    owned_by: STRING,
  },
};

/** `{ <key>: [item, …] }`, with any further fields. */
function listOf(key: string, item: object, more: Record<string, object> = {}): object {
  return {
    type: 'object',
    required: [...Object.keys(more), key],
    properties: { ...more, [key]: { type: 'array', items: item } },
  };
}

@ApiTags('openai')
@ApiBearerAuth()
@Controller('v1')
export class OpenAiCatalogController {
  constructor(private readonly catalog: OpenAiCatalogService) {}

  @Get('models')
  @ApiOperation({ summary: 'The model and its OpenAI aliases, as OpenAI lists models' })
  @ApiOkResponse({
    description: '`{"object":"list","data":[{"id","object":"model","created","owned_by"}]}`',
    schema: listOf('data', MODEL_SCHEMA, { object: { type: 'string', enum: ['list'] } }),
  })
  models(): { object: 'list'; data: OpenAiModel[] } {
    return { object: 'list', data: this.catalog.models() };
  }

  @Get('audio/models')
  @ApiOperation({ summary: 'The speech models, as Open WebUI reads them from a custom TTS server' })
  @ApiOkResponse({
    description: '`{"models":[{"id"}]}`',
    schema: listOf('models', { type: 'object', required: ['id'], properties: { id: STRING } }),
  })
  audioModels(): { models: { id: string }[] } {
    return { models: this.catalog.models().map(({ id }) => ({ id })) };
  }

  @Get('audio/voices')
  @ApiOperation({ summary: 'The stored voices, as Open WebUI reads them from a custom TTS server' })
  @ApiOkResponse({
    description:
      '`{"voices":[{"id","name"}]}`: every value that works as `voice` (both fields hold it)',
    schema: listOf('voices', {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: STRING, name: STRING },
    }),
  })
  async voices(): Promise<{ voices: OpenAiVoice[] }> {
    return { voices: await this.catalog.voices() };
  }
}
