import { WebSocket } from 'ws';

/** The HTTP status and Retry-After of a WebSocket handshake (101 when it is accepted). */
export async function handshakeStatus(
  url: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter: string | undefined }> {
  const socket = new WebSocket(url, {
    headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` },
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, retryAfter: undefined });
    });
    socket.once('unexpected-response', (_request, response) => {
      const retryAfter = response.headers['retry-after'];
      response.resume();
      socket.terminate();
      resolve({ status: response.statusCode ?? 0, retryAfter });
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) {
        reject(error);
      }
    });
  });
}
