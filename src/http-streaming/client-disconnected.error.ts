/** Abort reason of a synthesis whose client went away (HTTP connection or WebSocket closed). */
export class ClientDisconnectedError extends Error {
  override name = 'ClientDisconnectedError';

  constructor(message = 'the client disconnected') {
    super(message);
  }
}
