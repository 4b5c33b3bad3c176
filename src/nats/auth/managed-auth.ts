import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import type { ComponentName } from '../../core/components.js';
import { authLayout, hasNatsAuth } from './nats-auth.js';
import { NODE_USER } from './permissions.js';

/** The `nats.auth` folder: as configured, else `<dataDir>/nats-auth`. */
export function natsAuthDir(config: Pick<Config, 'dataDir' | 'nats'>): string {
  return config.nats.auth ?? join(config.dataDir, 'nats-auth');
}

/**
 * How a process that starts its own server uses `cim nats init`'s folder: the server loads its
 * resolver, and the process connects as its component's user when it runs one component, as
 * the `node` user (the union of every component's permissions) when it runs several, unless
 * `nats.credentials` names another file. Without the folder: neither (a loopback server that
 * takes any local client, as before `cim nats init`).
 */
export function managedAuth(
  config: Pick<Config, 'dataDir' | 'nats'>,
  components: readonly ComponentName[],
): { readonly resolver?: string; readonly credentials?: string } {
  const dir = natsAuthDir(config);
  if (!hasNatsAuth(dir)) return {};
  const layout = authLayout(dir);
  const user = components.length === 1 ? components[0]! : NODE_USER;
  return { resolver: layout.resolver, credentials: config.nats.credentials ?? layout.creds(user) };
}
