import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import type { NatsTopology } from '../deploy/nats-config.js';
import { LEAF_LOCAL_SUBJECTS } from '../core/leaf-isolation.js';
import { DEFAULT_SYNC_POLICY, syncPolicySchema } from '../core/sync-policy.js';

/** One nats-server of a local cluster or leaf, as `cim cluster init` writes it down. */
export interface PlannedServer {
  readonly name: string;
  /** `nats://host:port` for clients. */
  readonly clientUrl: string;
  /** `http://host:port` of the monitoring endpoint (healthz, jsz, leafz). */
  readonly monitorUrl: string;
  /** `nats-leaf://host:port` where leaf nodes connect, when this server accepts them. */
  readonly leafUrl?: string;
  readonly configFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly topology: NatsTopology;
}

/** What `cluster.json` holds: every server of a local cluster (or a lone leaf node). */
export interface ClusterManifest {
  readonly kind: 'cluster' | 'leaf';
  readonly name: string;
  /** The JetStream domain of these servers, if any (a leaf's own, or the hub's). */
  readonly domain?: string;
  readonly servers: readonly PlannedServer[];
}

/** Ports for each member, in member order. */
export interface ClusterPorts {
  readonly client: readonly number[];
  readonly cluster: readonly number[];
  readonly monitor: readonly number[];
  /** Leaf node ports: the cluster accepts leaf nodes (acts as a hub) when given. */
  readonly leaf?: readonly number[];
}

/** Input of {@link planCluster}. */
export interface ClusterPlanInput {
  readonly name: string;
  readonly dir: string;
  readonly nodes: number;
  readonly host: string;
  readonly ports: ClusterPorts;
  readonly domain?: string;
  /** Hub only: the HOST:PORT each member tells leaf nodes to use (a proxy or NAT in front of it). */
  readonly leafAdvertise?: readonly string[];
  readonly tls?: { certFile: string; keyFile: string; caFile?: string };
  /** JetStream's sync policy of every member (`--sync`); unset: `always`. */
  readonly sync?: string;
  /** Mutual TLS on the routes: how members authenticate each other. */
  readonly routeTls?: { certFile: string; keyFile: string; caFile: string };
  /** `cim nats init`'s operator and accounts: every client needs a user of the CIM account. */
  readonly auth?: NonNullable<NatsTopology['auth']>;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** `--sync`, checked: `always` unless given (docs/operations.md, "Durability"). */
function syncOf(sync: string | undefined): string {
  if (sync === undefined) return DEFAULT_SYNC_POLICY;
  if (!syncPolicySchema.safeParse(sync).success)
    throw new InvalidInputError(
      `--sync ${sync} is not a sync policy: use always (fsync before acknowledging) or a duration such as 2m.`,
    );
  return sync;
}

function checkName(what: string, value: string): void {
  if (!NAME.test(value))
    throw new InvalidInputError(
      `The ${what} "${value}" is not valid: use 1-64 letters, digits, - and _.`,
    );
}

function serverFiles(dir: string, name: string) {
  const home = join(dir, name);
  return {
    configFile: join(home, 'nats.conf'),
    pidFile: join(home, 'nats-server.pid'),
    logFile: join(home, 'nats-server.log'),
    storeDir: join(home, 'jetstream'),
  };
}

/**
 * The servers of a local JetStream cluster: an odd number (3 to 9) of members with routes to
 * each other, one store folder each. Pure: the caller writes the files.
 */
export function planCluster(input: ClusterPlanInput): ClusterManifest {
  const { nodes, host, ports } = input;
  if (!Number.isInteger(nodes) || nodes < 3 || nodes > 9 || nodes % 2 === 0)
    throw new InvalidInputError(
      `--nodes ${nodes} is not a valid cluster size: use an odd number from 3 to 9, so a majority survives a lost member.`,
    );
  checkName('cluster name', input.name);
  if (input.domain !== undefined) checkName('JetStream domain', input.domain);
  const sync = syncOf(input.sync);
  for (const [kind, list] of Object.entries(ports))
    if ((list as readonly number[] | undefined) && (list as readonly number[]).length !== nodes)
      throw new InvalidInputError(`${nodes} ${kind} ports are needed, one per member.`);
  const routeUrl = (i: number) => `nats-route://${host}:${ports.cluster[i]!}`;
  const servers = Array.from({ length: nodes }, (_, i): PlannedServer => {
    const name = `${input.name}-${i + 1}`;
    const files = serverFiles(input.dir, name);
    const leafPort = ports.leaf?.[i];
    const topology: NatsTopology = {
      serverName: name,
      clientListen: `${host}:${ports.client[i]!}`,
      monitorListen: `${host}:${ports.monitor[i]!}`,
      storeDir: files.storeDir,
      sync,
      ...(input.domain === undefined ? {} : { domain: input.domain }),
      cluster: {
        name: input.name,
        listen: `${host}:${ports.cluster[i]!}`,
        routes: Array.from({ length: nodes }, (_, j) => j)
          .filter((j) => j !== i)
          .map(routeUrl),
        ...(input.routeTls === undefined ? {} : { tls: input.routeTls }),
      },
      ...(leafPort === undefined ? {} : { leafListen: `${host}:${leafPort}` }),
      ...(leafPort !== undefined && input.leafAdvertise?.[i] !== undefined
        ? { leafAdvertise: input.leafAdvertise[i] }
        : {}),
      ...(input.tls === undefined ? {} : { tls: input.tls }),
      ...(input.auth === undefined ? {} : { auth: input.auth }),
    };
    return {
      name,
      clientUrl: `nats://${host}:${ports.client[i]!}`,
      monitorUrl: `http://${host}:${ports.monitor[i]!}`,
      ...(leafPort === undefined ? {} : { leafUrl: `nats-leaf://${host}:${leafPort}` }),
      configFile: files.configFile,
      pidFile: files.pidFile,
      logFile: files.logFile,
      topology,
    };
  });
  return {
    kind: 'cluster',
    name: input.name,
    ...(input.domain === undefined ? {} : { domain: input.domain }),
    servers,
  };
}

/** Input of {@link planLeaf}. */
export interface LeafPlanInput {
  readonly name: string;
  readonly dir: string;
  readonly host: string;
  readonly clientPort: number;
  readonly monitorPort: number;
  /** The leaf's own JetStream domain: its streams stay its own. */
  readonly domain: string;
  /** The hub's leaf node URLs (`nats-leaf://host:port`), all members of the hub cluster. */
  readonly hubUrls: readonly string[];
  /** JetStream's sync policy (`--sync`); unset: `always`. */
  readonly sync?: string;
  /** The `.creds` of a user of the hub's CIM account (its `leaf` user) the remote connects with. */
  readonly hubCredentials?: string;
  /** The CA the hub's leaf port certificate is checked against. */
  readonly hubCa?: string;
}

/**
 * A lone leaf node with its own JetStream domain and remotes to a hub, CIM's subjects kept off the
 * link ({@link LEAF_LOCAL_SUBJECTS}). Pure.
 */
export function planLeaf(input: LeafPlanInput): ClusterManifest {
  checkName('leaf name', input.name);
  checkName('JetStream domain', input.domain);
  const sync = syncOf(input.sync);
  if (input.hubUrls.length === 0)
    throw new InvalidInputError('A leaf node needs the hub: give at least one --hub URL.');
  const files = serverFiles(input.dir, input.name);
  const server: PlannedServer = {
    name: input.name,
    clientUrl: `nats://${input.host}:${input.clientPort}`,
    monitorUrl: `http://${input.host}:${input.monitorPort}`,
    configFile: files.configFile,
    pidFile: files.pidFile,
    logFile: files.logFile,
    topology: {
      serverName: input.name,
      clientListen: `${input.host}:${input.clientPort}`,
      monitorListen: `${input.host}:${input.monitorPort}`,
      storeDir: files.storeDir,
      sync,
      domain: input.domain,
      leafRemotes: [
        {
          urls: [...input.hubUrls],
          ...(input.hubCredentials === undefined ? {} : { credentialsFile: input.hubCredentials }),
          ...(input.hubCa === undefined ? {} : { caFile: input.hubCa }),
          denyImports: [...LEAF_LOCAL_SUBJECTS],
          denyExports: [...LEAF_LOCAL_SUBJECTS],
        },
      ],
    },
  };
  return { kind: 'leaf', name: input.name, domain: input.domain, servers: [server] };
}
