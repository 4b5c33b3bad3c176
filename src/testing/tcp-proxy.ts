import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';

/** A loopback TCP proxy a test can take down and bring back, to cut a connection for real. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`, pointing at the target through the proxy. */
  readonly url: string;
  /** `127.0.0.1:<port>` of the proxy. */
  readonly hostPort: string;
  /** Forwards new connections to `target` (`http://host:port`) from now on. */
  retarget(target: string): void;
  /** Closes the listener and every connection: clients get refused connections until `up`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `target` (`http://host:port`). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  let { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(port), hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(listenPort, '127.0.0.1', () => {
        listenPort = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const down = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    url: `http://127.0.0.1:${listenPort}`,
    hostPort: `127.0.0.1:${listenPort}`,
    retarget(to) {
      ({ hostname, port } = new URL(to));
    },
    down,
    up: listen,
    close: down,
  };
}
