import type { ExecutionContext, INestApplication } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { FastifyRequest } from 'fastify';
import { isPublicRoute } from './public.decorator.js';

/** The key of the Fastify route config that says whether a Nest route needs a token. */
const ROUTE_ACCESS = 'cosyvoiceAccess';

type RouteAccess = 'public' | 'token';

/**
 * Writes into every Nest route's Fastify config whether it needs a token, decided by the one
 * `@Public()` rule (isPublicRoute) the guard uses, so that a Fastify `onRequest` hook can
 * authenticate before any body is read. Must run before the routes are registered (before
 * `app.init()`/`listen()`). Routes that are not Nest's (the Swagger UI, the playground's files)
 * carry no mark and need no token, as before.
 */
export function markRouteAccess(app: INestApplication): void {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as ReturnType<ExecutionContext['getClass']> | null;
    if (!controller) continue;
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as ReturnType<ExecutionContext['getHandler']>;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      const access: RouteAccess = isPublicRoute(reflector, handler, controller)
        ? 'public'
        : 'token';
      const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as object;
      Reflect.defineMetadata(
        FASTIFY_ROUTE_CONFIG_METADATA,
        { ...config, [ROUTE_ACCESS]: access },
        handler,
      );
    }
  }
}

/** Whether the route the router matched for `request` is a Nest route that needs a token. */
export function routeNeedsToken(request: FastifyRequest): boolean {
  const config: object | undefined = request.routeOptions.config;
  return (config as Record<string, unknown> | undefined)?.[ROUTE_ACCESS] === 'token';
}
