import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** Path parameter `{id}` of the reference audio routes. */
export class ReferenceAudioIdParamDto {
  @ApiProperty({
    description: 'Reference audio id',
    format: 'uuid',
    example: '50a5fdb9-c3ad-445a-adbb-3be327500000',
  })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}
