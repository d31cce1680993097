import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
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
import { ClientDisconnectedError } from '../synthesis/client-disconnected.error.js';
import { CreateOpenAiSpeechDto } from './dto/create-openai-speech.dto.js';
import { writeAudioStream, writeSpeechEvents } from './openai-speech.writer.js';
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
  constructor(private readonly speech: OpenAiSpeechService) {}

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
    const disconnect = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableEnded) {
        disconnect.abort(new ClientDisconnectedError());
      }
    };
    reply.raw.on('close', onClose);
    try {
      const { contentType, chunks } = await this.speech.start(dto, disconnect.signal);
      const rest = chunks[Symbol.asyncIterator]();
      // The first piece is awaited before any byte is sent, so that errors up to the first
      // audio still get their status code and the OpenAI error body.
      const first = await rest.next();
      reply.hijack();
      const started = {
        requestId: String(request.id),
        first: first.done ? Buffer.alloc(0) : first.value.audio,
        rest,
        signal: disconnect.signal,
      };
      if (dto.stream_format === 'sse') {
        await writeSpeechEvents(reply.raw, started);
      } else {
        await writeAudioStream(reply.raw, contentType, started);
      }
    } catch (error) {
      if (disconnect.signal.aborted) {
        return;
      }
      throw error;
    } finally {
      reply.raw.off('close', onClose);
    }
  }
}
