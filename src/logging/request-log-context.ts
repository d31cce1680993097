import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { runWithLogBindings } from './log-context.js';

/**
 * Makes the request id the `reqId` of every Nest log line written while a request is handled.
 * Bound at `onRequest` and again at `preHandler`, because body parsing in between runs outside
 * the request's asynchronous context.
 */
export function bindRequestIdToLogs(fastify: FastifyInstance): void {
  const bind = (
    request: FastifyRequest,
    _reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    runWithLogBindings({ reqId: String(request.id) }, done);
  };
  fastify.addHook('onRequest', bind);
  fastify.addHook('preHandler', bind);
}
