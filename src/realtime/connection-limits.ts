import { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { RealtimeLimits } from '../config/app-config.js';
import type { FrameRefusal, RealtimeMetrics, ServerClose } from './realtime.metrics.js';

/**
 * Close code of a connection whose unsent output would pass WS_MAX_BUFFERED_BYTES (a client that
 * stopped reading); its task is stopped.
 */
export const SLOW_READER_CLOSE_CODE = 4001;

/** Close code of a connection that had WS_MAX_REFUSED_FRAMES frames refused (policy violation). */
export const REFUSED_FRAMES_CLOSE_CODE = 1008;

/**
 * What one WebSocket connection may cost the server: at most WS_MAX_BUFFERED_BYTES waiting to be
 * sent, at most WS_MAX_REFUSED_FRAMES refused frames. Breaking either closes the connection with
 * its code and a reason naming the setting, counts it, and calls `onClose` (which stops the task).
 */
export class ConnectionLimits {
  private readonly logger = new Logger(ConnectionLimits.name);
  private refusedFrames = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: Pick<RealtimeLimits, 'maxBufferedBytes' | 'maxRefusedFrames'>,
    private readonly metrics: RealtimeMetrics,
    private readonly onClose: () => void,
  ) {}

  /**
   * True when a message of `bytes` fits under WS_MAX_BUFFERED_BYTES with what is still unsent;
   * otherwise the connection is closed with 4001 and the message must not be sent.
   */
  admitsOutput(bytes: number): boolean {
    const { maxBufferedBytes } = this.limits;
    if (this.socket.bufferedAmount + bytes <= maxBufferedBytes) {
      return true;
    }
    this.close(
      'send_buffer_full',
      SLOW_READER_CLOSE_CODE,
      `client too slow: over ${maxBufferedBytes} bytes to send (WS_MAX_BUFFERED_BYTES)`,
    );
    return false;
  }

  /** Counts a refused frame (already answered); the WS_MAX_REFUSED_FRAMES-th closes with 1008. */
  refused(reason: FrameRefusal): void {
    this.metrics.frameRefused(reason);
    const { maxRefusedFrames } = this.limits;
    if (++this.refusedFrames >= maxRefusedFrames) {
      this.close(
        'too_many_refused_frames',
        REFUSED_FRAMES_CLOSE_CODE,
        `too many refused frames: ${maxRefusedFrames} (WS_MAX_REFUSED_FRAMES)`,
      );
    }
  }

  private close(reason: ServerClose, code: number, text: string): void {
    this.metrics.closedByServer(reason);
    this.logger.warn({ msg: 'closing a WebSocket that broke a limit', code, reason: text });
    this.onClose();
    this.socket.close(code, text);
  }
}
