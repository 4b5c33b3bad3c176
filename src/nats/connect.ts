import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { UnavailableError } from '../core/errors.js';
import type { FastPathLogger } from './fast-path/index.js';
import { installFastPath } from './fast-path/index.js';

/** Options for {@link connectNats}. */
export interface ConnectOptions {
  /** Client name shown in server monitoring. */
  readonly name?: string;
  /** How long to try before giving up on the first connection, in milliseconds. */
  readonly timeoutMs?: number;
  /** Receives the warning if the NATS client is not the version the fast path was written for. */
  readonly logger?: FastPathLogger;
}

/**
 * Connects to NATS with the options CIM relies on. `url` may list several servers separated by
 * commas (the members of a cluster): the client picks one and fails over to the others.
 * Also: async-trace capture off (it halves publish throughput), unlimited reconnects once
 * connected. The first connection of a process installs the fast path (`installFastPath`): its
 * patches of the client's internals, or the plain client path and one warning when the client's
 * version is not the pinned one. An unreachable server is an UnavailableError.
 */
export async function connectNats(
  url: string,
  options: ConnectOptions = {},
): Promise<NatsConnection> {
  installFastPath(options.logger ? { logger: options.logger } : {});
  try {
    return await connect({
      servers: url
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== ''),
      name: options.name ?? 'cim',
      noAsyncTraces: true,
      timeout: options.timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  } catch (err) {
    throw new UnavailableError(
      `Cannot reach NATS at ${url} (${(err as Error).message}): start the server or fix --nats/NATS_URL.`,
      { cause: err },
    );
  }
}
