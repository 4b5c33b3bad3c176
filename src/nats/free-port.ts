import { createServer } from 'node:net';
import { PortInUseError } from '../core/errors.js';

/** Asks the kernel for a free TCP port on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `n` free ports on `host`, none of them in `taken` (which records them), so that ports asked for
 * in several calls for one set of servers never collide.
 */
export async function freePorts(
  n: number,
  host = '127.0.0.1',
  taken: Set<number> = new Set(),
): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const port = await freePort(host);
    if (taken.has(port)) continue;
    taken.add(port);
    ports.push(port);
  }
  return ports;
}

/** Rejects with PortInUseError when `host:port` cannot be bound right now. */
export function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' ? new PortInUseError(`${host}:${port}`, { cause: err }) : err,
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
