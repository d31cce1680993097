import type { IncomingMessage } from 'node:http';
import { ApiTokenService } from '../common/api-token.service.js';

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
