import type { Socket } from 'node:net';
import { createRequire } from 'node:module';

interface TransportInternals {
  socket?: Socket;
  _send(frame: Uint8Array): Promise<void>;
}

/**
 * Makes the NATS client's socket writes of one event-loop turn go out as one `writev`.
 *
 * The client flushes its outgoing buffer once per microtask checkpoint, and a busy node passes
 * many checkpoints per turn (every settled request resumes its caller in one): one write system
 * call each, which profiles showed as the largest single cost of the ingest and pipeline paths.
 * Corking the socket on the first write of a turn and uncorking it in `setImmediate` keeps
 * every byte and its order, and delays nothing beyond the current turn.
 *
 * The transport is not public API: `installFastPath` calls this once, only at the version of
 * `@nats-io/transport-node` it was written for, and this still checks the shape it patches and
 * leaves the client untouched when it differs.
 */
export function coalesceNatsWrites(): void {
  const require = createRequire(import.meta.url);
  let transport: { NodeTransport?: { prototype: TransportInternals } };
  try {
    transport = require('@nats-io/transport-node/lib/node_transport.js') as typeof transport;
  } catch {
    return;
  }
  const proto = transport.NodeTransport?.prototype;
  if (!proto || typeof proto._send !== 'function') return;
  const send = proto._send;
  const corked = new WeakSet<Socket>();
  proto._send = function (this: TransportInternals, frame: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (socket && !corked.has(socket) && typeof socket.cork === 'function') {
      corked.add(socket);
      socket.cork();
      setImmediate(() => {
        corked.delete(socket);
        socket.uncork();
      });
    }
    return send.call(this, frame);
  };
}
