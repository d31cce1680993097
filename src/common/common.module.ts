import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessMetrics } from './access.metrics.js';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { ApiAccessGuard } from './api-access.guard.js';
import { ApiAccessHook } from './api-access.hook.js';
import { ApiAccess } from './api-access.service.js';
import { ApiAuthenticator } from './api-authenticator.service.js';
import { ApiTokenService } from './api-token.service.js';
import { ErrorBodyFraming } from './error-body-framing.js';
import { HttpServerLimits } from './http-server-limits.js';
import { OpenModeOriginPolicy } from './open-mode-origin.policy.js';
import { RateLimitService } from './rate-limit.service.js';
import { rateLimitStorageProvider, RateLimitStoreProbe } from './rate-limit.storage.js';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    AccessMetrics,
    ApiTokenService,
    RateLimitService,
    rateLimitStorageProvider,
    RateLimitStoreProbe,
    OpenModeOriginPolicy,
    ApiAuthenticator,
    ApiAccess,
    ApiAccessHook,
    HttpServerLimits,
    ErrorBodyFraming,
    { provide: APP_GUARD, useClass: ApiAccessGuard },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
  exports: [
    ApiTokenService,
    ApiAuthenticator,
    RateLimitService,
    RateLimitStoreProbe,
    AccessMetrics,
    ErrorBodyFraming,
  ],
})
export class CommonModule {}
