import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { credsAuthenticator } from '@nats-io/nats-core';
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { InvalidConfigError, UnavailableError } from '../core/errors.js';
import type { FastPathLogger } from './fast-path/index.js';
import { installFastPath } from './fast-path/index.js';

/** TLS of a client connection: files only (`nats.tls`). */
export interface NatsClientTls {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** Who this process is on NATS and how it checks the server: `nats.credentials`, `nats.tls`. */
export interface NatsClientAuth {
  readonly credentials?: string | undefined;
  readonly tls?: NatsClientTls | undefined;
}

/** The client side of a `nats` config section. */
export function natsClientAuth(nats: {
  readonly credentials?: string | undefined;
  readonly tls?: NatsClientTls | undefined;
}): NatsClientAuth {
  return {
    ...(nats.credentials !== undefined ? { credentials: nats.credentials } : {}),
    ...(nats.tls !== undefined ? { tls: nats.tls } : {}),
  };
}

/**
 * For commands that reach NATS directly by URL and take no config file (`cim events verify
 * --nats`, `cim leaf`): the user's `.creds` named by `$CIM_NATS_CREDENTIALS`.
 */
export function envClientAuth(
  env: Readonly<Record<string, string | undefined>> = process.env,
): NatsClientAuth {
  const credentials = env['CIM_NATS_CREDENTIALS'];
  return credentials ? { credentials } : {};
}

/** Options for {@link connectNats}. */
export interface ConnectOptions extends NatsClientAuth {
  /** Client name shown in server monitoring. */
  readonly name?: string;
  /** How long to try before giving up on the first connection, in milliseconds. */
  readonly timeoutMs?: number;
  /** Receives the warning if the NATS client is not the version the fast path was written for. */
  readonly logger?: FastPathLogger;
}

/**
 * A credentials file named relative to `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential`) is
 * read there; otherwise as given.
 */
export function credentialsPath(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const folder = env['CREDENTIALS_DIRECTORY'];
  return isAbsolute(file) || folder === undefined ? file : join(folder, file);
}

function authOptions(options: ConnectOptions): Partial<ConnectionOptions> {
  const out: Partial<ConnectionOptions> = {};
  if (options.credentials !== undefined) {
    const path = credentialsPath(options.credentials);
    let creds: Uint8Array;
    try {
      creds = readFileSync(path);
    } catch (err) {
      throw new InvalidConfigError(
        `The NATS credentials file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): run 'cim nats init' or fix nats.credentials.`,
        { cause: err },
      );
    }
    // Read once: the seed stays in this process's memory only, never in a message or a log.
    out.authenticator = credsAuthenticator(creds);
  }
  const tls = options.tls;
  if (tls !== undefined) {
    out.tls = {
      ...(tls.ca !== undefined ? { caFile: credentialsPath(tls.ca) } : {}),
      ...(tls.cert !== undefined ? { certFile: credentialsPath(tls.cert) } : {}),
      ...(tls.key !== undefined ? { keyFile: credentialsPath(tls.key) } : {}),
    };
  }
  return out;
}

/**
 * Connects to NATS with the options CIM relies on. `url` may list several servers separated by
 * commas (the members of a cluster): the client picks one and fails over to the others.
 * Also: async-trace capture off (it halves publish throughput), unlimited reconnects once
 * connected, the user's `.creds` and TLS files when given. The first connection of a process
 * installs the fast path (`installFastPath`): its patches of the client's internals, or the plain
 * client path and one warning when the client's version is not the pinned one. An unreachable
 * server is an UnavailableError; a refused user too, naming the file (never its content).
 */
export async function connectNats(
  url: string,
  options: ConnectOptions = {},
): Promise<NatsConnection> {
  installFastPath(options.logger ? { logger: options.logger } : {});
  const auth = authOptions(options);
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
      ...auth,
    });
  } catch (err) {
    const refused = /authoriz|authentic|permission/i.test((err as Error).message);
    throw new UnavailableError(
      refused
        ? `NATS at ${url} refused this process's user (${(err as Error).message}): set nats.credentials to the .creds file 'cim nats init' wrote for it.`
        : `Cannot reach NATS at ${url} (${(err as Error).message}): start the server or fix --nats/NATS_URL.`,
      { cause: err },
    );
  }
}
