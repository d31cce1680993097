import type { FastifyInstance } from 'fastify';

/**
 * Routes that orchestrators and Prometheus call every few seconds. Their request lines are logged
 * at `warn` only, so that they do not drown the log; their counts and durations are in /metrics.
 */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/** Sets the log level of the probe routes as they are registered (call before the app starts). */
export function quietProbeRequestLogs(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (PROBE_ROUTES.has(route.url)) {
      route.logLevel = 'warn';
    }
  });
}
