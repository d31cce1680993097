import type { IncomingMessage } from 'node:http';
import type { ClientCredentials } from '../common/api-authenticator.service.js';
import { ApiTokenService } from '../common/api-token.service.js';
import { clientAddress } from '../common/client-address.js';
import type { TrustProxy } from '../config/app-config.js';

/**
 * The token of a WebSocket handshake: `Authorization: Bearer <token>`, or `?token=<token>` for
 * browsers, which cannot set headers on a WebSocket.
 */
export function handshakeToken(request: IncomingMessage): string | undefined {
  const fromHeader = ApiTokenService.bearerToken(request.headers.authorization);
  if (fromHeader) {
    return fromHeader;
  }
  const query = new URL(request.url ?? '/', 'ws://localhost').searchParams.get('token');
  return query || undefined;
}

/** What a WebSocket handshake presents: its token, address (as TRUST_PROXY says), Host, Origin. */
export function handshakeCredentials(
  request: IncomingMessage,
  trustProxy: TrustProxy,
): ClientCredentials {
  return {
    token: handshakeToken(request),
    ip: clientAddress(request, trustProxy),
    host: request.headers.host,
    origin: request.headers.origin,
  };
}
