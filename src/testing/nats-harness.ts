import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { ManagedNatsServer } from '../nats/managed-server.js';
import { connectNats } from '../nats/connect.js';
import { provision } from '../nats/provision.js';
import { silentLogger } from '../runtime/logger.js';

/** A real nats-server with JetStream on a free loopback port in a temporary folder. */
export interface TestNats {
  readonly url: string;
  readonly dataDir: string;
  readonly server: ManagedNatsServer;
  /** A provisioned connection. */
  readonly nc: NatsConnection;
  /** Closes the connection, stops the server by PID and removes the folder. */
  stop(): Promise<void>;
}

/**
 * Starts a server for one test file; call `stop()` in `after`. `sync` is its JetStream
 * `sync_interval`, `always` (what CIM's servers run with) unless a test needs another.
 */
export async function startTestNats(options: { sync?: string } = {}): Promise<TestNats> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cim-test-'));
  const server = new ManagedNatsServer({
    dataDir,
    port: 0,
    sync: options.sync ?? 'always',
    logger: silentLogger(),
  });
  await server.start();
  const nc = await connectNats(server.url, { name: 'cim-test' });
  await provision(nc, { duplicateWindowSeconds: 120 });
  return {
    url: server.url,
    dataDir,
    server,
    nc,
    async stop() {
      await nc.close().catch(() => undefined);
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
