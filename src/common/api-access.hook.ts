import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ApiAccess } from './api-access.service.js';
import { routeNeedsToken } from './route-access.js';

/**
 * Authenticates every request to a route that needs a token in a Fastify `onRequest` hook, that
 * is before a single byte of its body is read. A refused request is answered at once (401, 403 or
 * 429 in the common error shape) with `Connection: close`, so a body it was still sending is
 * never read and its connection does not stay open.
 */
@Injectable()
export class ApiAccessHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly access: ApiAccess,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request, reply) => {
      if (!routeNeedsToken(request)) {
        return;
      }
      try {
        await this.access.admit(request);
      } catch (error) {
        reply.header('connection', 'close');
        throw error;
      }
    });
  }
}
