import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OpenAiCatalogService, OpenAiModel, OpenAiVoice } from './openai-catalog.service.js';

@ApiTags('openai')
@ApiBearerAuth()
@Controller('v1')
export class OpenAiCatalogController {
  constructor(private readonly catalog: OpenAiCatalogService) {}

  @Get('models')
  @ApiOperation({ summary: 'The model and its OpenAI aliases, as OpenAI lists models' })
  @ApiOkResponse({
    description: '`{"object":"list","data":[{"id","object":"model","created","owned_by"}]}`',
  })
  models(): { object: 'list'; data: OpenAiModel[] } {
    return { object: 'list', data: this.catalog.models() };
  }

  @Get('audio/models')
  @ApiOperation({ summary: 'The speech models, as Open WebUI reads them from a custom TTS server' })
  @ApiOkResponse({ description: '`{"models":[{"id"}]}`' })
  audioModels(): { models: { id: string }[] } {
    return { models: this.catalog.models().map(({ id }) => ({ id })) };
  }

  @Get('audio/voices')
  @ApiOperation({ summary: 'The stored voices, as Open WebUI reads them from a custom TTS server' })
  @ApiOkResponse({ description: '`{"voices":[{"id","name"}]}`' })
  async voices(): Promise<{ voices: OpenAiVoice[] }> {
    return { voices: await this.catalog.voices() };
  }
}
