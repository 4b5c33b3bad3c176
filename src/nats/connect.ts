import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { UnavailableError } from '../core/errors.js';
import { coalesceNatsWrites } from './coalesced-writes.js';
import { presizeNatsReads } from './presized-reads.js';

/** Options for {@link connectNats}. */
export interface ConnectOptions {
  /** Client name shown in server monitoring. */
  readonly name?: string;
  /** How long to try before giving up on the first connection, in milliseconds. */
  readonly timeoutMs?: number;
}

/**
 * Connects to NATS with the options CIM relies on. `url` may list several servers separated by
 * commas (the members of a cluster): the client picks one and fails over to the others.
 * Also: async-trace capture off (it halves publish throughput), unlimited reconnects once
 * connected. An unreachable server is an UnavailableError.
 */
export async function connectNats(
  url: string,
  options: ConnectOptions = {},
): Promise<NatsConnection> {
  coalesceNatsWrites();
  presizeNatsReads();
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
