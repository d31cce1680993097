import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { ApiTokenGuard } from './api-token.guard.js';
import { ApiTokenService } from './api-token.service.js';

@Global()
@Module({
  providers: [
    ApiTokenService,
    { provide: APP_GUARD, useClass: ApiTokenGuard },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
  exports: [ApiTokenService],
})
export class CommonModule {}
