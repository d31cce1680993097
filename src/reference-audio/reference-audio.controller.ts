import {
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
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { ListReferenceAudioQueryDto } from './dto/list-reference-audio.query.dto.js';
import { ReferenceAudioDeletedDto } from './dto/reference-audio-deleted.dto.js';
import { ReferenceAudioIdParamDto } from './dto/reference-audio-id.param.dto.js';
import { ReferenceAudioDto } from './dto/reference-audio.dto.js';
import { UploadReferenceAudioBodyDto } from './dto/upload-reference-audio.dto.js';
import { readReferenceAudioUpload } from './reference-audio-upload.reader.js';
import { ReferenceAudioService } from './reference-audio.service.js';

@ApiTags('reference audio')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token', type: ErrorResponseDto })
@Controller('api/v1/audio/reference_audio')
export class ReferenceAudioController {
  constructor(
    private readonly service: ReferenceAudioService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Upload a reference audio (WAV, MP3 or raw PCM, 0.5–30 s)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadReferenceAudioBodyDto })
  @ApiOkResponse({ type: ReferenceAudioDto })
  @ApiBadRequestResponse({
    description: 'Missing field or not usable audio',
    type: ErrorResponseDto,
  })
  @ApiPayloadTooLargeResponse({ description: 'File over MAX_UPLOAD_BYTES', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The name is taken (Conflict)', type: ErrorResponseDto })
  async uploadReferenceAudio(@Req() request: FastifyRequest): Promise<ReferenceAudioDto> {
    return this.service.upload(await readReferenceAudioUpload(request, this.config.maxUploadBytes));
  }

  @Get()
  @ApiOperation({ summary: 'List reference audio, ordered by created_at' })
  @ApiOkResponse({ type: ReferenceAudioDto, isArray: true })
  @ApiBadRequestResponse({ description: 'Bad limit or order', type: ErrorResponseDto })
  listReferenceAudio(@Query() query: ListReferenceAudioQueryDto): Promise<ReferenceAudioDto[]> {
    return this.service.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one reference audio' })
  @ApiOkResponse({ type: ReferenceAudioDto })
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown id', type: ErrorResponseDto })
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
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown id', type: ErrorResponseDto })
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
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown id', type: ErrorResponseDto })
  deleteReferenceAudio(
    @Param() { id }: ReferenceAudioIdParamDto,
  ): Promise<ReferenceAudioDeletedDto> {
    return this.service.delete(id);
  }
}
