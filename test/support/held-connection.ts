import { connect, type Socket } from 'node:net';

/** What a raw connection received before it ended, and how it ended. */
export interface HeldConnectionEnd {
  /** Everything the server sent (an HTTP answer, or nothing). */
  received: string;
  /** `closed` (FIN), or the socket error's code (e.g. ECONNRESET). */
  endedBy: string;
}

/** A raw TCP connection to the service that sends what it is told and then holds still. */
export interface HeldConnection {
  socket: Socket;
  /** Resolves when the connection is connected. */
  connected: Promise<void>;
  /** Resolves when the connection has ended, however. */
  ended: Promise<HeldConnectionEnd>;
  /** The status of the HTTP answer received so far, if any. */
  status(): number | undefined;
}

/**
 * Opens a connection to `baseUrl` (from `localAddress`, e.g. 127.0.0.2, to look like another
 * client), writes `bytes` and holds it open: a half-sent request, or nothing at all.
 */
export function holdConnection(
  baseUrl: string,
  bytes: string | Buffer = '',
  localAddress?: string,
): HeldConnection {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port), localAddress });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const received = (): string => Buffer.concat(chunks).toString('latin1');
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      if (bytes.length > 0) socket.write(bytes);
      resolve();
    });
    socket.once('error', reject);
  });
  connected.catch(() => undefined);
  const ended = new Promise<HeldConnectionEnd>((resolve) => {
    let endedBy = 'closed';
    socket.on('error', (error: NodeJS.ErrnoException) => {
      endedBy = error.code ?? error.message;
    });
    socket.once('close', () => resolve({ received: received(), endedBy }));
  });
  return {
    socket,
    connected,
    ended,
    status: () => statusOf(received()),
  };
}

/** The status code of the first HTTP status line in `text`. */
export function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The head of a request with a body of `contentLength` bytes, without that body. */
export function requestHead(
  method: string,
  path: string,
  contentLength: number,
  headers: Record<string, string> = {},
): string {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${contentLength}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
