import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ApiTokenService } from '../common/api-token.service.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { SynthesisService } from '../synthesis/synthesis.service.js';
import { handshakeToken } from './ws-handshake.auth.js';
import type { TaskEventMessage } from './tts-task.protocol.js';
import { TtsTaskSession } from './tts-task.session.js';

export const SPEECH_TASK_PATH = '/api-ws/v1/audio/speech';

/** Close code of a connection that sent nothing for WS_IDLE_TIMEOUT_MS (normal closure). */
export const IDLE_CLOSE_CODE = 1000;

/**
 * WebSocket duplex tasks at /api-ws/v1/audio/speech. The handshake needs a valid token
 * (`Authorization: Bearer` or `?token=`), else it is refused with HTTP 401. Each connection gets
 * its own TtsTaskSession. Frames over WS_MAX_FRAME_BYTES close the connection with 1009; a
 * connection that sends nothing for WS_IDLE_TIMEOUT_MS while the server waits for it is closed
 * with 1000 and the reason "idle timeout".
 */
@WebSocketGateway({ path: SPEECH_TASK_PATH })
export class SpeechTaskGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection {
  private readonly logger = new Logger(SpeechTaskGateway.name);

  constructor(
    private readonly synthesis: SynthesisService,
    private readonly tokens: ApiTokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(server: WebSocketServer): void {
    server.options.maxPayload = this.config.realtime.maxFrameBytes;
    server.options.verifyClient = (info: { req: IncomingMessage }, accept) => {
      if (this.tokens.isValid(handshakeToken(info.req))) {
        accept(true);
        return;
      }
      accept(
        false,
        401,
        'missing or invalid API token: send Authorization: Bearer <token> or ?token=<token>',
      );
    };
  }

  handleConnection(socket: WebSocket): void {
    const session = new TtsTaskSession(this.synthesis, (message) => sendWhenOpen(socket, message));
    const idleTimeoutMs = this.config.realtime.idleTimeoutMs;
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdleTimer = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (session.awaitingClient) {
          this.logger.debug(`closing a WebSocket idle for ${idleTimeoutMs} ms`);
          socket.close(IDLE_CLOSE_CODE, `idle timeout: no message for ${idleTimeoutMs} ms`);
        } else {
          armIdleTimer();
        }
      }, idleTimeoutMs);
    };
    armIdleTimer();
    socket.on('message', (data: RawData, isBinary: boolean) => {
      armIdleTimer();
      session.handleFrame(toBuffer(data), isBinary);
    });
    socket.on('close', () => {
      clearTimeout(idleTimer);
      session.close();
    });
  }
}

/** Sends a message; resolves once it is written to the socket (or the socket is gone). */
function sendWhenOpen(socket: WebSocket, message: TaskEventMessage): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState !== WebSocket.OPEN) {
      resolve();
      return;
    }
    socket.send(JSON.stringify(message), () => resolve());
  });
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) {
    return data;
  }
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
