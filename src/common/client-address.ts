import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';
import type { TrustProxy } from '../config/app-config.js';

/** Which hops of X-Forwarded-For are trusted, as Fastify reads TRUST_PROXY for `request.ip`. */
export function trustedHops(
  trust: Exclude<TrustProxy, false>,
): (address: string, hop: number) => boolean {
  if (trust === true) return () => true;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}

/**
 * The client's address of a raw request (the WebSocket handshake), the same one Fastify's
 * `request.ip` gives HTTP routes with the same TRUST_PROXY: the peer itself unless it is a
 * trusted proxy, then the address it forwarded.
 */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string | undefined {
  if (trust === false) return request.socket.remoteAddress;
  return proxyAddr(request, trustedHops(trust));
}
