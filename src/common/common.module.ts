import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { ApiAuthenticator } from './api-authenticator.service.js';
import { ApiAccessGuard } from './api-access.guard.js';
import { ApiTokenService } from './api-token.service.js';
import { ErrorBodyFraming } from './error-body-framing.js';
import { RateLimitService } from './rate-limit.service.js';
import { rateLimitStorageProvider } from './rate-limit.storage.js';

@Global()
@Module({
  providers: [
    ApiTokenService,
    RateLimitService,
    rateLimitStorageProvider,
    ApiAuthenticator,
    ErrorBodyFraming,
    { provide: APP_GUARD, useClass: ApiAccessGuard },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
  exports: [ApiTokenService, ApiAuthenticator, RateLimitService, ErrorBodyFraming],
})
export class CommonModule {}
