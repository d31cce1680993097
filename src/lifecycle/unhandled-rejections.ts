import { Logger } from '@nestjs/common';

/**
 * The last resort for a promise rejection nobody handled (a defect: every WebSocket task and
 * synthesis handles its own, see TtsTaskSession.execute). It is logged at error level and the
 * process keeps serving: such a promise has no waiter left, so its failure cannot have left a
 * request half-answered. An uncaught synchronous exception is different (it unwinds through code
 * in an unknown state) and keeps Node's default: the process exits and the orchestrator restarts
 * it.
 */
export function logUnhandledRejections(): void {
  const logger = new Logger('UnhandledRejection');
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({
      msg: 'unhandled promise rejection (a defect); the process keeps running',
      err: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
    });
  });
}
