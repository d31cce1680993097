import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import {
  answerWithSynthesis,
  type StartedStream,
  streamFromFirstChunk,
} from '../http-streaming/synthesis-reply.js';
import { CreateOpenAiSpeechDto } from './dto/create-openai-speech.dto.js';
import { writeAudioStream, writeSpeechEvents } from './openai-speech.writer.js';
import { contentTypeOf } from './openai-speech.mapper.js';
import { OpenAiSpeechService } from './openai-speech.service.js';

const OPENAI_ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string', example: 'invalid_request_error' },
        param: { type: 'string', nullable: true, example: 'voice' },
        code: { type: 'string', example: 'NotFound' },
      },
    },
  },
};

@ApiTags('openai')
@ApiBearerAuth()
@Controller('v1/audio')
export class OpenAiSpeechController {
  constructor(
    private readonly speech: OpenAiSpeechService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('speech')
  @HttpCode(200)
  @ApiOperation({
    summary: 'OpenAI-compatible speech (the body of OpenAI POST /v1/audio/speech)',
    description:
      'Answers with the audio bytes (Content-Type of the format), streamed as they are ' +
      'produced; with stream_format "sse", speech.audio.delta events and a speech.audio.done.',
  })
  @ApiBody({ type: CreateOpenAiSpeechDto })
  @ApiProduces(
    'audio/mpeg',
    'audio/ogg',
    'audio/flac',
    'audio/wav',
    'audio/pcm',
    'text/event-stream',
  )
  @ApiOkResponse({ description: 'The audio, or its pieces as server-sent events.' })
  @ApiResponse({
    status: 400,
    description: 'Invalid field (param names it).',
    schema: OPENAI_ERROR_SCHEMA,
  })
  @ApiResponse({
    status: 401,
    description: 'Missing or wrong bearer token.',
    schema: OPENAI_ERROR_SCHEMA,
  })
  @ApiResponse({ status: 404, description: 'Unknown voice.', schema: OPENAI_ERROR_SCHEMA })
  @ApiResponse({
    status: 429,
    description: 'Over the rate limit, with Retry-After.',
    schema: OPENAI_ERROR_SCHEMA,
  })
  @ApiResponse({
    status: 503,
    description:
      'ModelNotLoaded or ServerBusy (Retry-After), ServiceUnavailable while shutting down.',
    schema: OPENAI_ERROR_SCHEMA,
  })
  async createSpeech(
    @Body() dto: CreateOpenAiSpeechDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const requestId = String(request.id);
    const stallTimeoutMs = this.config.synthesis.streamStallTimeoutMs;
    const write =
      dto.stream_format === 'sse'
        ? writeSpeechEvents
        : (response: ServerResponse, started: StartedStream) =>
            writeAudioStream(response, contentTypeOf(dto), started);
    await answerWithSynthesis(
      reply,
      (signal) => this.speech.open(dto, signal),
      (rest, signal) =>
        streamFromFirstChunk(reply, { requestId, rest, signal, stallTimeoutMs }, write),
    );
  }
}
