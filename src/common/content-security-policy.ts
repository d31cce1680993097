import type { IncomingMessage } from 'node:http';

/**
 * The Content-Security-Policy of every response, in one place. It allows exactly what the
 * service's own pages need and nothing from elsewhere:
 *
 * - Swagger UI at /docs: its scripts and styles are files of this origin; it sets inline style
 *   attributes (hence `style-src 'unsafe-inline'`, styles only: no inline script runs anywhere)
 *   and draws its icons as data: images.
 * - The web playground at /: scripts of this origin only; it plays synthesized audio from blob:
 *   URLs, may draw data:/blob: images and run blob: workers, and calls the API over fetch and a
 *   WebSocket to its own origin (ws:/wss: spelled out for browsers whose 'self' does not cover
 *   WebSocket URLs).
 *
 * No page may be framed, post forms elsewhere, load plugins or change its base URL.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'connect-src': ["'self'", ownWebSocketOrigins],
  'worker-src': ["'self'", 'blob:'],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** Host names, IPv4/IPv6 literals and a port: what a Host header of this service may hold. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** `ws://<host> wss://<host>` for the host the browser asked for (none for an odd Host header). */
function ownWebSocketOrigins(request: IncomingMessage): string {
  const host = request.headers.host ?? '';
  return PLAIN_HOST.test(host) ? `ws://${host} wss://${host}` : '';
}
