import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export const REFERENCE_AUDIO_ORDERS = ['asc', 'desc'] as const;
export type ReferenceAudioOrder = (typeof REFERENCE_AUDIO_ORDERS)[number];

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

/** Query of `GET /api/v1/audio/reference_audio`. */
export class ListReferenceAudioQueryDto {
  @ApiPropertyOptional({
    description: 'Maximum number of objects to return',
    type: 'integer',
    minimum: 1,
    maximum: MAX_LIST_LIMIT,
    default: DEFAULT_LIST_LIMIT,
    example: 10,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: `limit must be between 1 and ${MAX_LIST_LIMIT}` })
  @Max(MAX_LIST_LIMIT, { message: `limit must be between 1 and ${MAX_LIST_LIMIT}` })
  limit?: number;

  @ApiPropertyOptional({
    description: 'Sort by created_at: asc (oldest first) or desc (newest first)',
    enum: REFERENCE_AUDIO_ORDERS,
    default: 'desc',
    example: 'desc',
  })
  @IsOptional()
  @IsIn(REFERENCE_AUDIO_ORDERS, { message: 'order must be asc or desc' })
  order?: ReferenceAudioOrder;
}
