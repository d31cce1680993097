import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrorResponse, ApiUnauthorizedResponse } from '../common/openapi.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { CreateSpeechDto } from './dto/create-speech.dto.js';
import { SpeechResponseDto } from './dto/speech-response.dto.js';
import { sendWholeSpeech } from './speech-json.writer.js';
import { writeSpeechEvents } from './speech-sse.writer.js';
import { toSynthesisRequest } from './speech-request.mapper.js';
import { answerWithSynthesis, streamFromFirstChunk } from '../http-streaming/synthesis-reply.js';
import { SynthesisService } from '../synthesis/synthesis.service.js';

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
  @ApiErrorResponse(400, 'Invalid parameter (InvalidParameter).', {
    code: 'InvalidParameter',
    message:
      'mode must be one of fast_replication, cross_lingual_replication, ' +
      'natural_language_replication; got "karaoke"',
  })
  @ApiUnauthorizedResponse()
  @ApiErrorResponse(404, 'Unknown reference_audio_id.', {
    code: 'NotFound',
    message: 'reference audio 50a5fdb9-c3ad-445a-adbb-3be327500000 not found',
  })
  @ApiErrorResponse(413, 'JSON body over MAX_JSON_BODY_BYTES (PayloadTooLarge).', {
    code: 'PayloadTooLarge',
    message: 'request body over the limit of 1048576 bytes (MAX_JSON_BODY_BYTES)',
  })
  @ApiErrorResponse(
    429,
    'Over RATE_LIMIT_PER_MINUTE for this token (TooManyRequests), with Retry-After.',
    { code: 'TooManyRequests', message: 'rate limit of 60 requests per minute reached' },
  )
  @ApiErrorResponse(
    503,
    'ModelNotLoaded or ServerBusy, with Retry-After; ServiceUnavailable while shutting down.',
    {
      code: 'ModelNotLoaded',
      message:
        'Model directory /app/models/CosyVoice2-0.5B does not exist (MODEL_DIR) — run: npm run models:download',
    },
  )
  async createSpeech(
    @Body() dto: CreateSpeechDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const speech = toSynthesisRequest(dto);
    const requestId = String(request.id);
    await answerWithSynthesis(
      reply,
      (signal) => this.synthesis.open(speech, signal),
      async (rest, signal) => {
        const stallTimeoutMs = this.config.synthesis.streamStallTimeoutMs;
        if (!speech.stream) {
          const format = speech.output.format;
          await sendWholeSpeech(reply, requestId, format, rest, signal, stallTimeoutMs);
          return;
        }
        await streamFromFirstChunk(
          reply,
          { requestId, rest, signal, stallTimeoutMs },
          writeSpeechEvents,
        );
      },
    );
  }
}
