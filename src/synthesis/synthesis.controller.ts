import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { ClientDisconnectedError } from './client-disconnected.error.js';
import { CreateSpeechDto } from './dto/create-speech.dto.js';
import { SpeechResponseDto } from './dto/speech-response.dto.js';
import { sendWholeSpeech } from './speech-json.writer.js';
import { writeSpeechEvents } from './speech-sse.writer.js';
import { toSynthesisRequest } from './speech-request.mapper.js';
import { DEFAULT_OUTPUT_FORMAT } from './synthesis.constants.js';
import { SynthesisService } from './synthesis.service.js';

@ApiTags('speech')
@ApiBearerAuth()
@ApiExtraModels(SpeechResponseDto)
@Controller('api/v1/audio')
export class SynthesisController {
  constructor(
    private readonly synthesis: SynthesisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('speech')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Synthesize speech in a cloned voice',
    description:
      'stream=true (the default): text/event-stream, one `data: {...}` event per audio chunk, ' +
      'then a final event with finish_reason "stop"; every event has the `error` key. ' +
      'stream=false: one JSON with the whole file base64-encoded.',
  })
  @ApiBody({ type: CreateSpeechDto })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({
    description: 'The audio (JSON), or its chunks as server-sent events of the same shape.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SpeechResponseDto) } },
      'text/event-stream': {
        schema: { type: 'string', example: 'data: {"output":{"finish_reason":null,...}}\n\n' },
      },
    },
  })
  @ApiResponse({
    status: 400,
    type: ErrorResponseDto,
    description: 'Invalid parameter (InvalidParameter).',
  })
  @ApiResponse({
    status: 401,
    type: ErrorResponseDto,
    description: 'Missing or wrong bearer token.',
  })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'Unknown reference_audio_id.' })
  @ApiResponse({
    status: 413,
    type: ErrorResponseDto,
    description: 'JSON body over MAX_JSON_BODY_BYTES (PayloadTooLarge).',
  })
  @ApiResponse({
    status: 429,
    type: ErrorResponseDto,
    description: 'Over RATE_LIMIT_PER_MINUTE for this token (TooManyRequests), with Retry-After.',
  })
  @ApiResponse({
    status: 503,
    type: ErrorResponseDto,
    description:
      'ModelNotLoaded or ServerBusy, with Retry-After; ServiceUnavailable while shutting down.',
  })
  async createSpeech(
    @Body() dto: CreateSpeechDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const requestId = String(request.id);
    const disconnect = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableEnded) {
        disconnect.abort(new ClientDisconnectedError());
      }
    };
    reply.raw.on('close', onClose);
    try {
      const synthesisRequest = toSynthesisRequest(dto);
      const chunks = await this.synthesis.start(synthesisRequest, disconnect.signal);
      const iterator = chunks[Symbol.asyncIterator]();
      if (!synthesisRequest.stream) {
        const format = synthesisRequest.outputFormat ?? DEFAULT_OUTPUT_FORMAT;
        await sendWholeSpeech(reply, requestId, format, iterator, disconnect.signal);
        return;
      }
      // The first chunk is awaited before any byte is sent, so that errors up to the first
      // audio still get a proper status code and the common error body.
      const first = await iterator.next();
      reply.hijack();
      await writeSpeechEvents(
        reply.raw,
        requestId,
        first.done ? Buffer.alloc(0) : first.value.audio,
        iterator,
        disconnect.signal,
        this.config.synthesis.streamStallTimeoutMs,
      );
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
