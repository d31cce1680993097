import 'reflect-metadata';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { AppConfig } from './config/app-config.js';
import { ApiError } from './common/api-error.js';
import { depthBoundJsonParser } from './common/json-body.parser.js';
import { CONTENT_SECURITY_POLICY } from './common/content-security-policy.js';
import { validationField, validationMessage } from './common/validation-message.js';
import { setupOpenApi } from './common/openapi.js';
import { answerRouterError, MAX_PATH_PARAMETER_LENGTH } from './common/router-errors.js';
import { createAppLogger } from './logging/app-logger.js';
import { RealtimeWsAdapter } from './realtime/realtime-ws.adapter.js';
import { PinoNestLogger } from './logging/pino-nest.logger.js';
import { quietProbeRequestLogs } from './logging/probe-log-level.js';
import { registerPlayground } from './playground/playground.js';
import { bindRequestIdToLogs } from './logging/request-log-context.js';
import { trustedHops } from './common/client-address.js';
import { markRouteAccess } from './common/route-access.js';
import { continueWhenBodyIsRead } from './common/expect-continue.js';

export interface CreateAppOptions {
  /** Where the JSON log lines go (default stdout). */
  logDestination?: DestinationStream;
}

/** The Fastify adapter and the logger of one service instance, before Nest creates the app. */
export interface AppShell {
  adapter: FastifyAdapter;
  logger: PinoNestLogger;
}

/** The Fastify adapter (request ids, proxies, body and path limits, router errors) and logger. */
export function createAppShell(config: AppConfig, options: CreateAppOptions = {}): AppShell {
  const logger = createAppLogger(config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy === false ? false : trustedHops(config.trustProxy),
    bodyLimit: config.maxJsonBodyBytes,
    requestTimeout: config.requestTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: timeoutCheckInterval(config),
    },
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    frameworkErrors: answerRouterError,
  });
  quietProbeRequestLogs(adapter.getInstance());
  return { adapter, logger: new PinoNestLogger(logger) };
}

/** Builds the whole service (HTTP, WebSocket, OpenAPI) without listening yet. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const { adapter, logger } = createAppShell(config, options);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger,
    abortOnError: false,
  });
  await configureApp(app, config, adapter);
  return app;
}

/**
 * Everything around the modules: body parsing, security headers, CORS, multipart, WebSocket,
 * validation, request ids, OpenAPI, the playground. The in-process tests apply it to an app made
 * from a Nest testing module.
 */
export async function configureApp(
  app: NestFastifyApplication,
  config: AppConfig,
  adapter: FastifyAdapter,
): Promise<void> {
  markRouteAccess(app);
  app.useBodyParser(
    'application/json',
    { bodyLimit: config.maxJsonBodyBytes },
    depthBoundJsonParser(adapter.getInstance()),
  );
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  });
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['x-request-id', 'Retry-After'],
      maxAge: 600,
    });
  }
  await app.register(multipart, {
    limits: { fileSize: config.maxUploadBytes, files: 1, fields: 8, fieldSize: 64 * 1024 },
  });
  app.useWebSocketAdapter(new RealtimeWsAdapter(app));
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidUnknownValues: false,
      stopAtFirstError: false,
      exceptionFactory: (errors) =>
        ApiError.invalidParameter(validationMessage(errors), validationField(errors)),
    }),
  );
  const fastify = app.getHttpAdapter().getInstance();
  continueWhenBodyIsRead(fastify);
  bindRequestIdToLogs(fastify);
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  setupOpenApi(app);
  if (config.uiEnabled) {
    await registerPlayground(app);
  }
}

/**
 * How often Node looks for requests over REQUEST_TIMEOUT_MS or HEADERS_TIMEOUT_MS: a quarter of
 * the shorter one (at least every 30 s, Node's default, at most every 50 ms), so a request is cut
 * off at most a quarter of its timeout late.
 */
function timeoutCheckInterval(config: AppConfig): number {
  const shorter = Math.min(config.requestTimeoutMs, config.headersTimeoutMs);
  return Math.min(30_000, Math.max(50, Math.floor(shorter / 4)));
}
