import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
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
import { CONTENT_TYPES } from './openai.constants.js';

const OPENAI_ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string', example: 'invalid_request_error' },
        param: { type: 'string', nullable: true, example: 'voice' },
        code: { type: 'string', example: 'NotFound' },
      },
    },
  },
};

const AUDIO_SCHEMA = { type: 'string', format: 'binary' };

/** The 200 of POST /v1/audio/speech: one media type per `response_format`, and SSE. */
const SPEECH_CONTENT = {
  ...Object.fromEntries(
    [...new Set(Object.values(CONTENT_TYPES))].map((type) => [type, { schema: AUDIO_SCHEMA }]),
  ),
  'text/event-stream': {
    schema: {
      type: 'string',
      description:
        '`data: {"type":"speech.audio.delta","audio":"<base64>"}` events, then ' +
        '`data: {"type":"speech.audio.done","usage":{…}}`',
    },
  },
};

/** An error answer of a /v1 route: OpenAI's error object, always application/json. */
function OpenAiErrorResponse(status: number, description: string): MethodDecorator {
  return ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: OPENAI_ERROR_SCHEMA } },
  });
}

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
  @ApiResponse({
    status: 200,
    description:
      'The audio in the Content-Type of `response_format` (chunked as it is produced), or with ' +
      '`stream_format: "sse"` its pieces as server-sent events.',
    content: SPEECH_CONTENT,
  })
  @OpenAiErrorResponse(400, 'Invalid field (param names it).')
  @OpenAiErrorResponse(401, 'Missing or wrong bearer token.')
  @OpenAiErrorResponse(404, 'Unknown voice (no stored voice, alias or default voice for it).')
  @OpenAiErrorResponse(429, 'Over the rate limit, with Retry-After.')
  @OpenAiErrorResponse(
    503,
    'ModelNotLoaded or ServerBusy (Retry-After), ServiceUnavailable while shutting down.',
  )
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
