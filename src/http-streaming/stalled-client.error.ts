/**
 * Why a streamed synthesis was stopped: the client took none of the data waiting for it within
 * STREAM_STALL_TIMEOUT_MS, so the synthesis gives its slot back and the connection is closed.
 */
export class StalledClientError extends Error {
  override name = 'StalledClientError';

  constructor(readonly stallTimeoutMs: number) {
    super(`the client took no data for ${stallTimeoutMs} ms (STREAM_STALL_TIMEOUT_MS)`);
  }
}
