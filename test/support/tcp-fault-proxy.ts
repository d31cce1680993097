import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, to fail it on demand: `forward` passes the
 * bytes both ways; `hang` keeps every connection open but passes nothing more (a database that
 * stopped answering), and new connections are accepted and left silent; `refuse` closes every
 * connection and the port (a database that is down).
 */
export class TcpFaultProxy {
  private mode: 'forward' | 'hang' | 'refuse' = 'forward';
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpFaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpFaultProxy(server, (server.address() as AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    return proxy;
  }

  hang(): void {
    this.mode = 'hang';
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  async refuse(): Promise<void> {
    this.mode = 'refuse';
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await this.close();
  }

  close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetHost: string, targetPort: number): void {
    this.track(client);
    if (this.mode !== 'forward') {
      client.pause();
      return;
    }
    const upstream = this.track(createConnection(targetPort, targetHost));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}
