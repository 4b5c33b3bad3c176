import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  fromSeed,
} from '@nats-io/jwt';
import type { KeyPair } from '@nats-io/jwt';
import { COMPONENTS } from '../../core/components.js';
import type { UserPermissions } from './permissions.js';
import {
  LEAF_USER,
  NODE_USER,
  leafPermissions,
  componentPermissions,
  nodePermissions,
  pluginPermissions,
} from './permissions.js';

/** The account CIM's components and plugin services live in. */
export const CIM_ACCOUNT = 'CIM';
/** The system account nats-server needs under decentralised auth (monitoring, account updates). */
export const SYSTEM_ACCOUNT = 'SYS';

/**
 * Where `cim nats init` keeps its files in the `nats.auth` folder. Seeds (`*.nk`) and `.creds`
 * are mode 0600 in folders of mode 0700; the server reads only `resolver.conf`, which holds the
 * operator JWT, the system account's public key and the account JWTs (no secret).
 */
export function authLayout(dir: string) {
  return {
    dir,
    resolver: join(dir, 'resolver.conf'),
    /** The operator JWT and the account JWTs by public key, for servers rendered with paths. */
    operatorJwt: join(dir, 'operator.jwt'),
    accountsDir: join(dir, 'accounts'),
    /** The system account's public key, for `system_account` in a rendered server config. */
    systemAccount: join(dir, 'system-account'),
    operatorSeed: join(dir, 'keys', 'operator.nk'),
    accountSeed: (account: string) => join(dir, 'keys', `${account}.nk`),
    creds: (user: string) => join(dir, 'creds', `${user}.creds`),
  };
}

/** The user name of a plugin service's credentials. */
export const pluginUser = (name: string) => `plugin-${name}`;

/** What {@link initNatsAuth} made. */
export interface NatsAuthReport {
  readonly dir: string;
  /** Whether the operator and accounts were created now (false: reused). */
  readonly created: boolean;
  /** The users whose `.creds` are in `creds/`, with their file. */
  readonly users: readonly { readonly name: string; readonly creds: string }[];
}

function writeSecret(path: string, text: string | Uint8Array): void {
  // Written beside and renamed, so a reader never sees half a file or a moment of wider mode.
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function keyFrom(path: string, create: () => KeyPair): { key: KeyPair; created: boolean } {
  if (existsSync(path)) {
    return {
      key: fromSeed(new TextEncoder().encode(readFileSync(path, 'utf8').trim())),
      created: false,
    };
  }
  const key = create();
  writeSecret(path, new TextDecoder().decode(key.getSeed()));
  return { key, created: true };
}

/**
 * Creates (or, when the folder has them, reuses) an operator, the CIM account and the system
 * account, then writes `resolver.conf` for the managed server and one `.creds` per component,
 * one for {@link NODE_USER} (every component in one process) and one per plugin service named.
 * Rerunning it keeps the keys (running processes stay valid) and reissues every user.
 */
export async function initNatsAuth(
  dir: string,
  options: { readonly plugins?: readonly string[] } = {},
): Promise<NatsAuthReport> {
  // Every name checked before anything is written.
  const plugins = (options.plugins ?? []).map((name) => ({
    name,
    permissions: pluginPermissions(name),
  }));
  const layout = authLayout(dir);
  for (const sub of ['', 'keys', 'creds', 'accounts'])
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
  const operator = keyFrom(layout.operatorSeed, createOperator);
  const cim = keyFrom(layout.accountSeed(CIM_ACCOUNT), createAccount);
  const sys = keyFrom(layout.accountSeed(SYSTEM_ACCOUNT), createAccount);
  const operatorJwt = await encodeOperator('cim', operator.key, {
    system_account: sys.key.getPublicKey(),
  });
  const cimJwt = await encodeAccount(
    CIM_ACCOUNT,
    cim.key,
    {
      limits: {
        // JetStream on, without limits: the server's own limits and the host's disk apply.
        mem_storage: -1,
        disk_storage: -1,
        streams: -1,
        consumer: -1,
        subs: -1,
        data: -1,
        payload: -1,
        conn: -1,
        leaf: -1,
        imports: -1,
        exports: -1,
        wildcards: true,
      },
    },
    { signer: operator.key },
  );
  const sysJwt = await encodeAccount(SYSTEM_ACCOUNT, sys.key, {}, { signer: operator.key });
  writeFileSync(
    layout.resolver,
    [
      '# Written by cim nats init: the operator, the accounts and their JWTs (no secret).',
      `operator: ${operatorJwt}`,
      `system_account: ${sys.key.getPublicKey()}`,
      'resolver: MEMORY',
      'resolver_preload: {',
      `  ${cim.key.getPublicKey()}: ${cimJwt}`,
      `  ${sys.key.getPublicKey()}: ${sysJwt}`,
      '}',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  writeFileSync(layout.operatorJwt, `${operatorJwt}\n`, { mode: 0o644 });
  writeFileSync(layout.systemAccount, `${sys.key.getPublicKey()}\n`, { mode: 0o644 });
  writeFileSync(join(layout.accountsDir, `${cim.key.getPublicKey()}.jwt`), cimJwt, { mode: 0o644 });
  writeFileSync(join(layout.accountsDir, `${sys.key.getPublicKey()}.jwt`), sysJwt, { mode: 0o644 });
  const users: { name: string; creds: string }[] = [];
  const issue = async (name: string, permissions: UserPermissions) => {
    const user = createUser();
    const jwt = await encodeUser(name, user, cim.key, {
      pub: { allow: [...permissions.pub] },
      sub: { allow: [...permissions.sub] },
      // A responder may answer each request once, whatever its reply subject.
      resp: { max: 1, ttl: 0 },
    });
    const path = layout.creds(name);
    writeSecret(path, fmtCreds(jwt, user));
    users.push({ name, creds: path });
  };
  for (const component of COMPONENTS) await issue(component, componentPermissions(component));
  await issue(NODE_USER, nodePermissions());
  await issue(LEAF_USER, leafPermissions());
  for (const plugin of plugins) await issue(pluginUser(plugin.name), plugin.permissions);

  const systemUser = createUser();
  writeSecret(
    layout.creds('system'),
    fmtCreds(await encodeUser('system', systemUser, sys.key), systemUser),
  );
  users.push({ name: 'system', creds: layout.creds('system') });
  return { dir, created: operator.created || cim.created || sys.created, users };
}

/** True when `dir` holds what {@link initNatsAuth} writes for the server. */
export function hasNatsAuth(dir: string): boolean {
  return existsSync(authLayout(dir).resolver);
}
