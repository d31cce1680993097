import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ApiAuthenticator } from '../common/api-authenticator.service.js';
import { ApiError } from '../common/api-error.js';
import { RateLimitService } from '../common/rate-limit.service.js';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { clientAddress } from '../common/client-address.js';
import { runWithLogBindings } from '../logging/log-context.js';
import { redactUrl } from '../logging/redact-url.js';
import { GracefulShutdownService } from '../lifecycle/graceful-shutdown.service.js';
import { SynthesisService } from '../synthesis/synthesis.service.js';
import { handshakeCredentials, handshakeToken } from './ws-handshake.auth.js';
import { ConnectionLimits } from './connection-limits.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import { TaskSynthesizer, TtsTaskSession } from './tts-task.session.js';

export const SPEECH_TASK_PATH = '/api-ws/v1/audio/speech';

/** Close code of a connection that sent nothing for WS_IDLE_TIMEOUT_MS (normal closure). */
export const IDLE_CLOSE_CODE = 1000;

/** Close code of the connections still open when the service shuts down (going away). */
export const SHUTDOWN_CLOSE_CODE = 1001;

/** How long a shutdown waits for clients to answer the 1001 close before cutting them off. */
export const SHUTDOWN_CLOSE_WAIT_MS = 2000;

/**
 * WebSocket duplex tasks at /api-ws/v1/audio/speech. The handshake needs a valid token
 * (`Authorization: Bearer` or `?token=`), else it is refused with HTTP 401 (429 while the
 * client's IP is locked out for wrong tokens, see RateLimitService). Each connection gets
 * its own TtsTaskSession. Frames over WS_MAX_FRAME_BYTES close the connection with 1009; a
 * connection that sends nothing for WS_IDLE_TIMEOUT_MS while the server waits for it is closed
 * with 1000 and the reason "idle timeout"; one that takes no message for STREAM_STALL_TIMEOUT_MS
 * is cut off and its task stopped. A message that would take the bytes waiting to be sent past
 * WS_MAX_BUFFERED_BYTES is not sent: the connection is closed with 4001 and its task stopped; the
 * WS_MAX_REFUSED_FRAMES-th refused frame is answered, then the connection is closed with 1008.
 * Each run-task counts towards RATE_LIMIT_PER_MINUTE of
 * the handshake's token. At shutdown, once the in-flight tasks have ended (or been failed at the
 * end of the grace period), every connection is closed with 1001.
 */
@WebSocketGateway({ path: SPEECH_TASK_PATH })
export class SpeechTaskGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection {
  private readonly logger = new Logger(SpeechTaskGateway.name);
  private readonly sessions = new Map<WebSocket, TtsTaskSession>();

  constructor(
    private readonly synthesis: SynthesisService,
    private readonly authenticator: ApiAuthenticator,
    private readonly rateLimit: RateLimitService,
    private readonly shutdown: GracefulShutdownService,
    private readonly metrics: RealtimeMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(server: WebSocketServer): void {
    this.shutdown.afterDrain(() => this.closeAll());
    this.metrics.measureBufferedBytes(() =>
      [...this.sessions.keys()].reduce((total, socket) => total + socket.bufferedAmount, 0),
    );
    server.options.maxPayload = this.config.realtime.maxFrameBytes;
    server.options.verifyClient = (info: { req: IncomingMessage }, accept) => {
      this.authenticator.authenticate(handshakeCredentials(info.req, this.config.trustProxy)).then(
        () => accept(true),
        (error: unknown) => {
          const refusal = handshakeRefusal(error);
          this.logger.warn({
            msg: 'websocket handshake refused',
            status: refusal.status,
            url: redactUrl(info.req.url ?? ''),
          });
          accept(false, refusal.status, refusal.message, refusal.headers);
        },
      );
    };
  }

  /** Each connection gets an id, the `reqId` of every log line written for it. */
  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    runWithLogBindings({ reqId: randomUUID() }, () => this.serve(socket, request));
  }

  private serve(socket: WebSocket, request: IncomingMessage): void {
    this.metrics.opened();
    this.logger.log({ msg: 'websocket connected', url: redactUrl(request.url ?? '') });
    const stallTimeoutMs = this.config.synthesis.streamStallTimeoutMs;
    const limits = new ConnectionLimits(socket, this.config.realtime, this.metrics, () =>
      session.close(),
    );
    const session = new TtsTaskSession(
      this.rateLimited(request),
      (message) => {
        const data = JSON.stringify(message);
        if (!limits.admitsOutput(Buffer.byteLength(data))) {
          return undefined;
        }
        return sendWhenOpen(socket, data, stallTimeoutMs, () => {
          this.logger.warn(
            `closing a WebSocket that took no data for ${stallTimeoutMs} ms; its task is stopped`,
          );
          session.close();
          socket.terminate();
        });
      },
      (reason) => limits.refused(reason),
    );
    this.sessions.set(socket, session);
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
    socket.on(
      'message',
      AsyncResource.bind((data: RawData, isBinary: boolean) => {
        armIdleTimer();
        session.handleFrame(toBuffer(data), isBinary);
      }),
    );
    socket.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.metrics.closedByServer('frame_too_large');
      }
    });
    socket.on(
      'close',
      AsyncResource.bind((code: number) => {
        clearTimeout(idleTimer);
        this.metrics.closed();
        this.logger.log({ msg: 'websocket closed', code });
        this.sessions.delete(socket);
        session.close();
      }),
    );
  }

  /** The client's address, through the proxies TRUST_PROXY trusts (as `request.ip` for HTTP). */
  private clientAddressOf(request: IncomingMessage): string | undefined {
    return clientAddress(request, this.config.trustProxy);
  }

  /** SynthesisService, with each task start counted against the connection's rate limit. */
  private rateLimited(request: IncomingMessage): TaskSynthesizer {
    const client = this.authenticator.clientOf(
      handshakeToken(request),
      this.clientAddressOf(request),
    );
    return {
      textLimit: this.synthesis.textLimit,
      textRefused: (reason) => this.synthesis.textRefused(reason),
      open: async (synthesisRequest, signal) => {
        await this.rateLimit.consume(client);
        return this.synthesis.open(synthesisRequest, signal);
      },
    };
  }

  /** Closes every connection with 1001 once its task has sent its last event. */
  private async closeAll(): Promise<void> {
    const open = [...this.sessions];
    if (open.length > 0) {
      this.logger.log(`closing ${open.length} WebSocket connections (${SHUTDOWN_CLOSE_CODE})`);
    }
    await Promise.all(
      open.map(async ([socket, session]) => {
        await session.settled();
        const closed = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, SHUTDOWN_CLOSE_WAIT_MS);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        socket.close(SHUTDOWN_CLOSE_CODE, 'server shutting down');
        await closed;
      }),
    );
  }
}

/** The HTTP answer to a refused handshake: 401 for the token, 429 while locked out, ... */
function handshakeRefusal(error: unknown): {
  status: number;
  message: string;
  headers: Record<string, string>;
} {
  if (error instanceof ApiError && error.status === 401) {
    return {
      status: 401,
      message: 'missing or invalid API token: send Authorization: Bearer <token> or ?token=<token>',
      headers: {},
    };
  }
  if (error instanceof ApiError) {
    return { status: error.status, message: error.message, headers: error.headers };
  }
  return { status: 500, message: 'internal server error', headers: {} };
}

/**
 * Sends a message (JSON text); resolves once it is written to the socket (or the socket is gone). A message
 * still not written after `stallTimeoutMs` (a client that stopped reading) calls `onStall` and
 * resolves.
 */
function sendWhenOpen(
  socket: WebSocket,
  data: string,
  stallTimeoutMs: number,
  onStall: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState !== WebSocket.OPEN) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      onStall();
      resolve();
    }, stallTimeoutMs);
    socket.send(data, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) {
    return data;
  }
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
