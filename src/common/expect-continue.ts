import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The key of the Fastify route config that says the route itself sends `100 Continue`. */
const CONTINUE_AFTER_ADMISSION = 'cosyvoiceContinueAfterAdmission';

/**
 * Marks a route that admits a request before reading its body (an upload queue): it calls
 * `sendContinue` itself once admitted, so a refusal reaches a client that sent
 * `Expect: 100-continue` before that client sends its body.
 */
export const ContinueAfterAdmission = (): MethodDecorator =>
  RouteConfig({ [CONTINUE_AFTER_ADMISSION]: true });

/**
 * Answers `Expect: 100-continue` only when the body is about to be read. Node sends `100 Continue`
 * on its own at once unless the server has a `checkContinue` listener; this one hands such a
 * request to Fastify as any other, and `100 Continue` goes out from the `preParsing` hook (after
 * the `onRequest` token check), or, on routes marked `ContinueAfterAdmission`, when the route
 * admits the request. A refused request (401, 429, 503) is then answered before its body is sent:
 * the client reads the answer instead of a reset while it is still sending.
 */
export function continueWhenBodyIsRead(fastify: FastifyInstance): void {
  fastify.server.on('checkContinue', (request, response) => {
    fastify.server.emit('request', request, response);
  });
  fastify.addHook('preParsing', async (request, reply, payload) => {
    const config: object | undefined = request.routeOptions.config;
    if ((config as Record<string, unknown> | undefined)?.[CONTINUE_AFTER_ADMISSION] !== true) {
      sendContinue(request, reply);
    }
    return payload;
  });
}

/** The responses `100 Continue` went out on (Node's response keeps no public flag of it). */
const continued = new WeakSet<object>();

/** Sends `100 Continue` to a client that waits for it (`Expect: 100-continue`); once. */
export function sendContinue(request: FastifyRequest, reply: FastifyReply): void {
  const waiting = request.headers.expect?.toLowerCase() === '100-continue';
  if (waiting && !continued.has(reply.raw)) {
    continued.add(reply.raw);
    reply.raw.writeContinue();
  }
}

