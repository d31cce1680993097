import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Nest's WsAdapter, with a client's protocol mistakes (a frame over WS_MAX_FRAME_BYTES, an invalid
 * frame or UTF-8, all with a `WS_ERR_*` code from ws; ws then closes the connection with the
 * matching code) logged as one warn line without a stack trace. Other errors stay at error level
 * with their stack.
 */
export class ClientErrorsWsAdapter extends WsAdapter {
  private readonly errorLogger = new Logger('WebSocket');

  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (socket: WebSocket) =>
      socket.on('error', (error: Error) => this.logSocketError(error)),
    );
    server.on('error', (error: Error) => this.errorLogger.error(error.stack ?? error.message));
    return server;
  }

  private logSocketError(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
      this.errorLogger.warn(`websocket client error: ${error.message} (${code})`);
    } else {
      this.errorLogger.error(error.stack ?? error.message);
    }
  }
}
