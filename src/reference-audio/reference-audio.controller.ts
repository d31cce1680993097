import {
  applyDecorators,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ContinueAfterAdmission, sendContinue } from '../common/expect-continue.js';
import { ApiErrorResponse, ApiUnauthorizedResponse } from '../common/openapi.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { ListReferenceAudioQueryDto } from './dto/list-reference-audio.query.dto.js';
import { ReferenceAudioDeletedDto } from './dto/reference-audio-deleted.dto.js';
import { ReferenceAudioIdParamDto } from './dto/reference-audio-id.param.dto.js';
import { ReferenceAudioDto } from './dto/reference-audio.dto.js';
import { UploadReferenceAudioBodyDto } from './dto/upload-reference-audio.dto.js';
import { readReferenceAudioUpload } from './reference-audio-upload.reader.js';
import { ReferenceAudioService } from './reference-audio.service.js';

/** The errors of a route with a reference audio id in its path: malformed (400), unknown (404). */
function ApiReferenceAudioIdErrors(): MethodDecorator {
  return applyDecorators(
    ApiErrorResponse(400, 'Malformed id', {
      code: 'InvalidParameter',
      message: 'id must be a UUID',
    }),
    ApiErrorResponse(404, 'Unknown id', {
      code: 'NotFound',
      message: 'reference audio 50a5fdb9-c3ad-445a-adbb-3be327500000 not found',
    }),
  );
}

@ApiTags('reference audio')
@ApiBearerAuth()
@ApiUnauthorizedResponse()
@Controller('api/v1/audio/reference_audio')
export class ReferenceAudioController {
  constructor(
    private readonly service: ReferenceAudioService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Upload a reference audio (WAV, MP3, FLAC, Ogg Opus/Vorbis, WebM Opus or raw PCM, 0.5–30 s)',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadReferenceAudioBodyDto })
  @ApiOkResponse({ type: ReferenceAudioDto })
  @ApiErrorResponse(400, 'Missing field or not usable audio (InvalidParameter, InvalidAudio)', {
    code: 'InvalidAudio',
    message: 'the audio is 0.45 s long; reference audio must be 0.5–30 s',
  })
  @ApiErrorResponse(413, 'File over MAX_UPLOAD_BYTES', {
    code: 'PayloadTooLarge',
    message: 'the file is larger than the upload limit of 20971520 bytes (MAX_UPLOAD_BYTES)',
  })
  @ApiErrorResponse(409, 'The name is taken by another voice (Conflict)', {
    code: 'Conflict',
    message: 'name "narrator" is already taken by another reference audio',
  })
  @ApiErrorResponse(507, 'The voice storage is full; nothing was stored (InsufficientStorage)', {
    code: 'InsufficientStorage',
    message: 'the voice storage is full; nothing was stored',
  })
  @ApiErrorResponse(
    503,
    'The database or the S3 storage is unavailable, with Retry-After (DatabaseUnavailable, StorageUnavailable)',
    {
      code: 'StorageUnavailable',
      message:
        'the audio storage is unavailable or does not answer; nothing was changed, retry later',
    },
  )
  @ContinueAfterAdmission()
  async uploadReferenceAudio(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReferenceAudioDto> {
    return this.service.upload(() => {
      sendContinue(request, reply);
      return readReferenceAudioUpload(request, this.config.maxUploadBytes);
    });
  }

  @Get()
  @ApiOperation({ summary: 'List reference audio, ordered by created_at' })
  @ApiOkResponse({ type: ReferenceAudioDto, isArray: true })
  @ApiErrorResponse(400, 'Bad limit or order', {
    code: 'InvalidParameter',
    message: 'limit must be an integer',
  })
  listReferenceAudio(@Query() query: ListReferenceAudioQueryDto): Promise<ReferenceAudioDto[]> {
    return this.service.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one reference audio' })
  @ApiOkResponse({ type: ReferenceAudioDto })
  @ApiReferenceAudioIdErrors()
  getReferenceAudio(@Param() { id }: ReferenceAudioIdParamDto): Promise<ReferenceAudioDto> {
    return this.service.get(id);
  }

  @Get(':id/audio')
  @ApiOperation({ summary: 'Extension: the uploaded audio file as stored (to listen to it)' })
  @ApiProduces('audio/wav', 'audio/mpeg', 'audio/L16')
  @ApiOkResponse({
    description: 'The bytes as uploaded',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiReferenceAudioIdErrors()
  async getReferenceAudioFile(
    @Param() { id }: ReferenceAudioIdParamDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const file = await this.service.audioFile(id);
    reply.type(file.contentType);
    return file.bytes;
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a reference audio and its stored files' })
  @ApiOkResponse({ type: ReferenceAudioDeletedDto })
  @ApiReferenceAudioIdErrors()
  deleteReferenceAudio(
    @Param() { id }: ReferenceAudioIdParamDto,
  ): Promise<ReferenceAudioDeletedDto> {
    return this.service.delete(id);
  }
}
