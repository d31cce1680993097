import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

export class ReadinessCheckDto {
  @ApiProperty({ enum: ['ok', 'error'], example: 'ok' })
  status!: 'ok' | 'error';

  @ApiPropertyOptional({ description: 'Why the check failed', example: 'connect ECONNREFUSED' })
  error?: string;

  @ApiPropertyOptional({ description: 'Model only: the execution provider in use', example: 'cpu' })
  device?: string;

  @ApiPropertyOptional({
    description: 'Model only: inference workers that have loaded the pack, of all, and restarting',
    example: '1/2 loaded, 1 restarting',
  })
  workers?: string;

  @ApiPropertyOptional({
    description:
      'Model only, with ENGINE_NODES: the engine nodes, the ready ones and their free slots ' +
      '(the check stays ok with none ready: syntheses then get 503 ServerBusy)',
    example: '3 nodes, 2 ready, 5/8 slots free',
  })
  engines?: string;

  @ApiPropertyOptional({
    description:
      'Model only: the loaded pack is a test pack (tiny or random weights), whose audio is not speech',
    example: false,
  })
  test_pack?: boolean;
}

export class ReadinessChecksDto {
  @ApiProperty({ type: ReadinessCheckDto, description: 'A query on the database' })
  database!: ReadinessCheckDto;

  @ApiProperty({ type: ReadinessCheckDto, description: 'A ping of the blob storage' })
  storage!: ReadinessCheckDto;

  @ApiProperty({ type: ReadinessCheckDto, description: 'The speech model is loaded' })
  model!: ReadinessCheckDto;

  @ApiPropertyOptional({
    type: ReadinessCheckDto,
    description: 'Only while the service shuts down (status error): it takes no new work',
  })
  shutdown?: ReadinessCheckDto;

  @ApiPropertyOptional({
    type: ReadinessCheckDto,
    description:
      'Only with REDIS_URL and a limit on: a ping of the rate-limit Redis. Informational: an ' +
      'error here does not make the service unavailable (the limits fail open meanwhile)',
  })
  rate_limit_store?: ReadinessCheckDto;
}

/** Answer of GET /ready: 200 when every check is ok, 503 otherwise. */
export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ type: ReadinessChecksDto })
  checks!: ReadinessChecksDto;
}
