import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planCluster, planLeaf } from '../cluster/cluster-plan.js';
import type { ClusterManifest, PlannedServer } from '../cluster/cluster-plan.js';
import { findNatsServer } from '../nats/server-binary.js';
import { startServer, stopServer, waitHealthy, writeManifest } from '../cluster/local-servers.js';
import { freePorts } from '../nats/free-port.js';
import type { TcpProxy } from './tcp-proxy.js';
import { makeTestCertificates } from './test-ca.js';
import type { TestCertificates } from './test-ca.js';
import { authLayout, initNatsAuth } from '../nats/auth/nats-auth.js';

/** Real nats-servers (2.10+) on free loopback ports in a temporary folder. */
export interface TestServers {
  readonly dir: string;
  readonly manifest: ClusterManifest;
  readonly serverBin: string;
  /** Every member's client URL, comma-separated (what `--nats` takes). */
  readonly urls: string;
  /** Kills member `i` with SIGKILL, as a crash would. */
  kill(i: number): Promise<void>;
  /** Starts member `i` again on its store; `wait` (default true) waits for it to be healthy. */
  restart(i: number, wait?: boolean): Promise<void>;
  /** Stops every server by PID and removes the folder. */
  stop(): Promise<void>;
  /** With `secure`: the `.creds` of each user, by name (`node`, `leaf`, `ui`, …). */
  creds(user: string): string;
  /** With `secure`: the throwaway CA and the members' certificate. */
  readonly pki: TestCertificates | undefined;
}

/** Route TLS (mutual, a throwaway CA) and NATS users (`cim nats init`) on every member. */
async function secureMembers(dir: string) {
  const pki = makeTestCertificates(dir);
  const auth = authLayout(join(dir, 'nats-auth'));
  await initNatsAuth(auth.dir);
  return {
    pki,
    auth,
    plan: {
      routeTls: { certFile: pki.certFile, keyFile: pki.keyFile, caFile: pki.caFile },
      auth: {
        operatorFile: auth.operatorJwt,
        systemAccount: readFileSync(auth.systemAccount, 'utf8').trim(),
        accountsDir: auth.accountsDir,
      },
    },
  };
}

async function launch(
  dir: string,
  manifest: ClusterManifest,
  serverBin: string,
  secure?: { pki: TestCertificates; auth: ReturnType<typeof authLayout> },
): Promise<TestServers> {
  writeManifest(dir, manifest);
  const servers: readonly PlannedServer[] = manifest.servers;
  const stopAll = async () => {
    await Promise.all(servers.map((s) => stopServer(s, { graceMs: 5000 })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const server of servers) startServer(server, serverBin);
    await waitHealthy(servers);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    dir,
    manifest,
    serverBin,
    urls: servers.map((s) => s.clientUrl).join(','),
    async kill(i) {
      await stopServer(servers[i]!, { signal: 'SIGKILL' });
    },
    async restart(i, wait = true) {
      startServer(servers[i]!, serverBin);
      if (wait) await waitHealthy([servers[i]!]);
    },
    stop: stopAll,
    creds: (user) => {
      if (secure === undefined) throw new Error('these test servers run without NATS users');
      return secure.auth.creds(user);
    },
    pki: secure?.pki,
  };
}

/**
 * Starts a cluster of `nodes` members; `hub` makes it accept leaf nodes, in domain `hub`.
 * `leafProxies` puts a proxy (testing/tcp-proxy.ts) in front of each member's leaf port and has
 * the member advertise it: a leaf node learns the advertised addresses, so without this it would
 * reconnect around a proxy that is down.
 */
export async function startTestCluster(
  options: {
    nodes?: number;
    hub?: boolean;
    leafProxies?: readonly TcpProxy[];
    /**
     * Cluster name, unique by default: a member of a stopped test cluster reconnects its routes
     * to its peers' old ports, and a cluster of the same name that reused one of them would merge
     * with it (seen: placement then failed for 30 s in a concurrently running test).
     */
    name?: string;
    /** Route TLS and NATS users on every member (issue 18's secured cluster). */
    secure?: boolean;
  } = {},
): Promise<TestServers> {
  const nodes = options.nodes ?? 3;
  const serverBin = findNatsServer().path;
  const dir = mkdtempSync(join(tmpdir(), 'cim-cluster-'));
  const taken = new Set<number>();
  const client = await freePorts(nodes, '127.0.0.1', taken);
  const cluster = await freePorts(nodes, '127.0.0.1', taken);
  const monitor = await freePorts(nodes, '127.0.0.1', taken);
  const leaf = await freePorts(nodes, '127.0.0.1', taken);
  options.leafProxies?.forEach((proxy, i) => proxy.retarget(`http://127.0.0.1:${leaf[i]!}`));
  const secure = options.secure === true ? await secureMembers(dir) : undefined;
  const manifest = planCluster({
    ...(secure?.plan ?? {}),
    name: options.name ?? `cim-${randomBytes(4).toString('hex')}`,
    dir,
    nodes,
    host: '127.0.0.1',
    ports: { client, cluster, monitor, ...(options.hub ? { leaf } : {}) },
    ...(options.hub ? { domain: 'hub' } : {}),
    ...(options.leafProxies ? { leafAdvertise: options.leafProxies.map((p) => p.hostPort) } : {}),
  });
  return launch(dir, manifest, serverBin, secure);
}

/** Starts a leaf node with its own JetStream domain, connecting to `hubUrls`. */
export async function startTestLeaf(options: {
  domain: string;
  hubUrls: readonly string[];
  /** The hub's leaf user, when the hub requires NATS users. */
  hubCredentials?: string;
}): Promise<TestServers> {
  const serverBin = findNatsServer().path;
  const dir = mkdtempSync(join(tmpdir(), 'cim-leaf-'));
  const [clientPort = 0, monitorPort = 0] = await freePorts(2);
  const manifest = planLeaf({
    name: options.domain,
    dir,
    host: '127.0.0.1',
    clientPort,
    monitorPort,
    domain: options.domain,
    hubUrls: options.hubUrls,
    ...(options.hubCredentials === undefined ? {} : { hubCredentials: options.hubCredentials }),
  });
  return launch(dir, manifest, serverBin);
}
