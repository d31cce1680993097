import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/** An error `ws` raised for what a client sent (over-size frame, bad opcode, invalid UTF-8...). */
export function isClientProtocolError(error: Error): boolean {
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
}

/**
 * Nest's `ws` adapter, with a connection's errors logged by what they are: a client's protocol
 * mistake (`ws` then closes the connection itself, e.g. 1009 for an over-size frame) at warn,
 * without a stack; anything else at error, with its stack.
 */
export class RealtimeWsAdapter extends WsAdapter {
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (socket: WebSocket) =>
      socket.on('error', (error) => {
        if (isClientProtocolError(error)) {
          this.logger.warn({
            msg: 'websocket closed for a protocol error of the client',
            code: (error as NodeJS.ErrnoException).code,
            err: error.message,
          });
        } else {
          this.logger.error(error);
        }
      }),
    );
    server.on('error', (error) => this.logger.error(error));
    return server;
  }
}
