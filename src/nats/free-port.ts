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
