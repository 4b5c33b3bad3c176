import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidInputError, UnavailableError } from '../../core/errors.js';
import type { ClusterPorts } from '../../cluster/cluster-plan.js';
import { planCluster } from '../../cluster/cluster-plan.js';
import {
  MANIFEST_FILE,
  readManifest,
  runningPid,
  startServer,
  stopServer,
  waitHealthy,
  writeManifest,
} from '../../cluster/local-servers.js';
import { memberStatus } from '../../cluster/member-status.js';
import { findNatsServer } from '../../nats/server-binary.js';
import { freePorts } from '../../nats/free-port.js';
import { printJson } from '../output.js';
import { authLayout, initNatsAuth } from '../../nats/auth/nats-auth.js';

/** Where ports other than the client port sit relative to it (NATS's 4222/6222/7422/8222). */
const PORT_OFFSETS = { cluster: 2000, leaf: 3200, monitor: 4000 } as const;

/**
 * `<data>/<name>` (`cluster`, `leaf`), the data folder resolved as `cim up` resolves it without
 * flags: `$CIM_DATA`, else `~/.local/share/cim`.
 */
export function defaultServersDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const data = env['CIM_DATA'] || join(homedir(), '.local', 'share', 'cim');
  return join(resolve(data), name);
}

function clusterDir(dir: string | undefined): string {
  return dir === undefined ? defaultServersDir('cluster') : resolve(dir);
}

/** Flags of `cim cluster init`, as commander hands them over (strings). */
export interface InitFlags {
  readonly nodes?: string;
  readonly dir?: string;
  readonly host?: string;
  readonly port?: string;
  readonly name?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly hub?: boolean;
  readonly sync?: string;
  readonly routeTlsCert?: string;
  readonly routeTlsKey?: string;
  readonly routeTlsCa?: string;
  readonly auth?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
}

function routeTlsOf(flags: InitFlags) {
  const { routeTlsCert, routeTlsKey, routeTlsCa } = flags;
  if (routeTlsCert === undefined && routeTlsKey === undefined && routeTlsCa === undefined)
    return undefined;
  if (routeTlsCert === undefined || routeTlsKey === undefined || routeTlsCa === undefined)
    throw new InvalidInputError(
      '--route-tls-cert, --route-tls-key and --route-tls-ca go together: members verify each other against the CA.',
    );
  return {
    certFile: readable('--route-tls-cert', routeTlsCert),
    keyFile: readable('--route-tls-key', routeTlsKey),
    caFile: readable('--route-tls-ca', routeTlsCa),
  };
}

function readable(flag: string, file: string): string {
  const path = resolve(file);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new InvalidInputError(`${flag} ${file} cannot be read: give an existing PEM file.`);
  }
  return path;
}

function tlsOf(flags: InitFlags) {
  const { tlsCert, tlsKey, tlsCa } = flags;
  if (tlsCert === undefined && tlsKey === undefined) {
    if (tlsCa !== undefined)
      throw new InvalidInputError('--tls-ca needs --tls-cert and --tls-key as well.');
    return undefined;
  }
  if (tlsCert === undefined || tlsKey === undefined)
    throw new InvalidInputError('--tls-cert and --tls-key go together: give both.');
  return {
    certFile: readable('--tls-cert', tlsCert),
    keyFile: readable('--tls-key', tlsKey),
    ...(tlsCa === undefined ? {} : { caFile: readable('--tls-ca', tlsCa) }),
  };
}

/** Ports from `--port` (the first client port, the rest derived) or free ones on `host`. */
async function portsOf(
  nodes: number,
  host: string,
  port: string | undefined,
  hub: boolean,
): Promise<ClusterPorts> {
  if (port === undefined) {
    const taken = new Set<number>();
    return {
      client: await freePorts(nodes, host, taken),
      cluster: await freePorts(nodes, host, taken),
      monitor: await freePorts(nodes, host, taken),
      ...(hub ? { leaf: await freePorts(nodes, host, taken) } : {}),
    };
  }
  const first = Number(port);
  const last = first + PORT_OFFSETS.monitor + nodes - 1;
  if (!Number.isInteger(first) || first < 1024 || last > 65535)
    throw new InvalidInputError(
      `--port ${port} is not a usable first client port: give a number from 1024 to ${65535 - PORT_OFFSETS.monitor - nodes + 1} (cluster, leaf and monitor ports are +${PORT_OFFSETS.cluster}, +${PORT_OFFSETS.leaf} and +${PORT_OFFSETS.monitor}).`,
    );
  const from = (base: number) => Array.from({ length: nodes }, (_, i) => base + i);
  return {
    client: from(first),
    cluster: from(first + PORT_OFFSETS.cluster),
    monitor: from(first + PORT_OFFSETS.monitor),
    ...(hub ? { leaf: from(first + PORT_OFFSETS.leaf) } : {}),
  };
}

/**
 * `cim cluster init`: writes the configuration of a local JetStream cluster (one folder per
 * member) and its manifest. Refuses a nats-server older than 2.10.23 before writing anything, and
 * an existing cluster unless `--force` (which rewrites the configuration and keeps the stores).
 */
export async function init(flags: InitFlags): Promise<void> {
  const nodesText = flags.nodes ?? '3';
  const nodes = Number(nodesText);
  if (!/^\d+$/.test(nodesText))
    throw new InvalidInputError(`--nodes ${nodesText} is not a number: use 3, 5, 7 or 9.`);
  const dir = clusterDir(flags.dir);
  const host = flags.host ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    throw new InvalidInputError(`--host ${host} is not a host name or IP address.`);
  const tls = tlsOf(flags);
  const routeTls = routeTlsOf(flags);
  const hub = flags.hub === true;
  const auth = flags.auth === true ? await clusterAuth(join(dir, 'nats-auth')) : undefined;
  // Planned (pure, validating every flag) before the server check and before anything is written.
  const manifest = planCluster({
    name: flags.name ?? 'cim',
    dir,
    nodes,
    host,
    ports: await portsOf(nodes, host, flags.port, hub),
    ...(hub ? { domain: 'hub' } : {}),
    ...(tls === undefined ? {} : { tls }),
    ...(flags.sync === undefined ? {} : { sync: flags.sync }),
    ...(routeTls === undefined ? {} : { routeTls }),
    ...(auth === undefined ? {} : { auth: auth.topology }),
  });
  const server = findNatsServer();
  if (existsSync(join(dir, MANIFEST_FILE))) {
    if (flags.force !== true)
      throw new InvalidInputError(
        `${dir} already holds a cluster: run 'cim cluster up' to start it, or 'cim cluster init --force' to write its configuration again.`,
      );
    const running = readManifest(dir).servers.filter((s) => runningPid(s) !== undefined);
    if (running.length > 0)
      throw new InvalidInputError(
        `${running.map((s) => s.name).join(', ')} ${running.length === 1 ? 'is' : 'are'} running: run 'cim cluster down' before 'cim cluster init --force'.`,
      );
  }
  writeManifest(dir, manifest);
  const urls = manifest.servers.map((s) => s.clientUrl).join(',');
  if (flags.json)
    return printJson({
      dir,
      name: manifest.name,
      domain: manifest.domain ?? null,
      serverBin: server.path,
      serverVersion: server.version,
      urls,
      credentials: auth?.creds ?? null,
      servers: manifest.servers.map((s) => ({
        name: s.name,
        clientUrl: s.clientUrl,
        monitorUrl: s.monitorUrl,
        leafUrl: s.leafUrl ?? null,
        configFile: s.configFile,
      })),
    });
  process.stdout.write(
    `Wrote a ${nodes}-member cluster "${manifest.name}" in ${dir} (nats-server ${server.version}):\n`,
  );
  for (const s of manifest.servers)
    process.stdout.write(`  ${s.name}  ${s.clientUrl}  ${s.configFile}\n`);
  if (auth !== undefined)
    process.stdout.write(
      `Clients need a user: each component's .creds is in ${auth.creds} (set nats.credentials).\n`,
    );
  process.stdout.write(`Start it with: cim cluster up${flags.dir ? ` --dir ${dir}` : ''}\n`);
}

/**
 * `--auth`: `cim nats init` in the cluster folder (kept when it is there already), rendered into
 * every member as paths and the system account's public key.
 */
async function clusterAuth(dir: string) {
  await initNatsAuth(dir);
  const layout = authLayout(dir);
  return {
    creds: join(dir, 'creds'),
    topology: {
      operatorFile: layout.operatorJwt,
      systemAccount: readFileSync(layout.systemAccount, 'utf8').trim(),
      accountsDir: layout.accountsDir,
    },
  };
}

/**
 * `cim cluster up`: starts every member that is not running, detached (they outlive the command),
 * waits until each is healthy, and prints the client URLs comma-separated (what `--nats` takes).
 * If they do not become healthy, the members this command started are stopped again.
 */
export async function up(flags: { dir?: string; json?: boolean; timeout?: string }): Promise<void> {
  const dir = clusterDir(flags.dir);
  const manifest = readManifest(dir);
  const server = findNatsServer();
  const timeoutS = Number(flags.timeout ?? '60');
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new InvalidInputError(`--timeout ${flags.timeout} is not a number of seconds above 0.`);
  const started = manifest.servers.filter((s) => runningPid(s) === undefined);
  const pids = manifest.servers.map((s) => startServer(s, server.path));
  try {
    await waitHealthy(manifest.servers, timeoutS * 1000);
  } catch (err) {
    await Promise.all(started.map((s) => stopServer(s, { graceMs: 5000 })));
    throw err;
  }
  const urls = manifest.servers.map((s) => s.clientUrl).join(',');
  if (flags.json)
    return printJson({
      dir,
      urls,
      servers: manifest.servers.map((s, i) => ({
        name: s.name,
        pid: pids[i]!,
        clientUrl: s.clientUrl,
        started: started.includes(s),
      })),
    });
  process.stderr.write(
    `${manifest.servers.length} members healthy (${started.length} started); run CIM on it with: cim up --nats ${urls}\n`,
  );
  process.stdout.write(`${urls}\n`);
}

/** `cim cluster down`: stops every member by the PID it recorded (SIGTERM, then SIGKILL). */
export async function down(flags: { dir?: string; json?: boolean }): Promise<void> {
  const manifest = readManifest(clusterDir(flags.dir));
  const stopped = await Promise.all(
    manifest.servers.map(async (s) => ({
      name: s.name,
      pid: runningPid(s) ?? null,
      stopped: await stopServer(s),
    })),
  );
  if (flags.json) return printJson({ servers: stopped });
  for (const s of stopped)
    process.stdout.write(
      s.stopped ? `Stopped ${s.name} (pid ${s.pid}).\n` : `${s.name} was not running.\n`,
    );
}

/** `cim cluster status`: each member's PID, health, version and meta leader; exit 1 if any is sick. */
export async function status(flags: { dir?: string; json?: boolean }): Promise<void> {
  const manifest = readManifest(clusterDir(flags.dir));
  const members = await Promise.all(manifest.servers.map(memberStatus));
  const healthy = members.every((m) => m.healthy);
  if (!healthy) process.exitCode = 1;
  if (flags.json) return printJson({ name: manifest.name, healthy, members });
  for (const m of members)
    process.stdout.write(
      `${m.name.padEnd(12)} ${m.pid === null ? 'stopped' : `pid ${m.pid}`}  ${m.healthy ? 'healthy' : `not healthy (${m.detail})`}  ${m.version ?? '-'}  meta leader ${m.metaLeader ?? '-'}  ${m.clientUrl}\n`,
    );
  if (!healthy && members.every((m) => m.pid === null))
    throw new UnavailableError(
      `No member of ${manifest.name} runs: start them with 'cim cluster up'.`,
    );
}
