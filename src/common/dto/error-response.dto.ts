import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody } from '../api-error.js';

/** OpenAPI schema of `ErrorBody`, the common error shape of every failed request. */
export class ErrorResponseDto implements ErrorBody {
  @ApiProperty({ description: 'UpperCamelCase error code', example: 'InvalidParameter' })
  code!: string;

  @ApiProperty({ description: 'What went wrong and why', example: 'limit must be an integer' })
  message!: string;

  @ApiProperty({ format: 'uuid', example: 'f90a65be-f47b-46b5-9ddc-70bae5500000' })
  request_id!: string;
}
