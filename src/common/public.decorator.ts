import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

const PUBLIC_ROUTE = 'cosyvoice:public-route';

/**
 * Marks a controller or a route handler as public: it is served without a bearer token and
 * without rate limiting. Every other Nest route needs a token (deny by default).
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Whether a route handler, or the controller it belongs to, carries `@Public()`. */
export function isPublicRoute(
  reflector: Reflector,
  handler: ReturnType<ExecutionContext['getHandler']>,
  controller: ReturnType<ExecutionContext['getClass']>,
): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [handler, controller]) === true
  );
}
