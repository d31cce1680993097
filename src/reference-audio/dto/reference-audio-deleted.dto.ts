import { ApiProperty } from '@nestjs/swagger';

/** Answer of DELETE: `{"code":"OK","message":"reference audio: <id> deleted.","data":{}}`. */
export class ReferenceAudioDeletedDto {
  @ApiProperty({ enum: ['OK'], example: 'OK' })
  code!: 'OK';

  @ApiProperty({ example: 'reference audio: 50a5fdb9-c3ad-445a-adbb-3be327500000 deleted.' })
  message!: string;

  @ApiProperty({ type: 'object', additionalProperties: false, example: {} })
  data!: Record<string, never>;
}
