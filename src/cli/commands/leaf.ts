import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { InvalidInputError } from '../../core/errors.js';
import { planLeaf } from '../../cluster/cluster-plan.js';
import { findNatsServer } from '../../nats/server-binary.js';
import {
  MANIFEST_FILE,
  readManifest,
  startServer,
  stopServer,
  waitHealthy,
  writeManifest,
} from '../../cluster/local-servers.js';
import { attachLeaf, leafMirrorNames } from '../../cluster/leaf-mirrors.js';
import { leafStatus } from '../../cluster/leaf-status.js';
import type { StreamLag } from '../../cluster/leaf-status.js';
import { verifyLeafMirrors } from '../../cluster/leaf-verify.js';
import { connectNats, envClientAuth } from '../../nats/connect.js';
import { defaultServersDir } from './cluster.js';
import { printJson } from '../output.js';

/** Where `cim leaf init` writes and `up`/`down` look: `--dir`, else `<data>/leaf`. */
const leafDir = (dir: string | undefined) =>
  dir === undefined ? defaultServersDir('leaf') : resolve(dir);

const natsUrl = (flag: string | undefined) =>
  flag ?? process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidInputError(`${flag} ${value} is not a port: use a number from 1 to 65535.`);
  return n;
}

async function withConnection<T>(url: string, run: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectNats(url, { name: 'cim-leaf', ...envClientAuth() });
  try {
    return await run(nc);
  } finally {
    await nc.close();
  }
}

/** An absolute path to a readable file given with `flag` (only its path goes into the config). */
function readableFile(flag: string, file: string): string {
  const path = resolve(file);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new InvalidInputError(`${flag} ${file} cannot be read: give an existing file.`);
  }
  return path;
}

/** `cim leaf init --domain D --hub URL[,URL...]`: writes a leaf node's server configuration. */
export async function init(options: {
  domain: string;
  hub: string;
  dir?: string;
  host?: string;
  port?: string;
  monitorPort?: string;
  sync?: string;
  hubCreds?: string;
  hubCa?: string;
  force?: boolean;
  json?: boolean;
}): Promise<void> {
  leafMirrorNames(options.domain); // refuses a bad domain with a sentence naming it
  const server = findNatsServer();
  const dir = leafDir(options.dir);
  if (existsSync(join(dir, MANIFEST_FILE)) && options.force !== true)
    throw new InvalidInputError(
      `${dir} already holds a cluster or leaf (${MANIFEST_FILE}): pass --force to write it again, or choose another --dir.`,
    );
  const hubUrls = options.hub
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const url of hubUrls)
    if (!/^(nats-leaf|nats|tls|ws|wss):\/\/[^\s/]+:\d+$/.test(url))
      throw new InvalidInputError(
        `--hub ${url} is not a leaf URL: give nats-leaf://HOST:PORT (or tls://, ws://) for each hub member.`,
      );
  const manifest = planLeaf({
    name: options.domain,
    dir,
    host: options.host ?? '127.0.0.1',
    clientPort: port('--port', options.port ?? '4222'),
    monitorPort: port('--monitor-port', options.monitorPort ?? '8222'),
    domain: options.domain,
    hubUrls,
    ...(options.sync === undefined ? {} : { sync: options.sync }),
    ...(options.hubCreds === undefined
      ? {}
      : { hubCredentials: readableFile('--hub-creds', options.hubCreds) }),
    ...(options.hubCa === undefined ? {} : { hubCa: readableFile('--hub-ca', options.hubCa) }),
  });
  writeManifest(dir, manifest);
  const leaf = manifest.servers[0]!;
  if (options.json)
    return printJson({
      dir,
      domain: options.domain,
      server: server.path,
      version: server.version,
      leaf,
    });
  process.stdout.write(
    `Wrote leaf node ${options.domain} into ${dir} (nats-server ${server.version}).\n` +
      `Start it with 'cim leaf up --dir ${dir}', then 'cim up --nats ${leaf.clientUrl}'.\n`,
  );
}

/** `cim leaf up [--dir]`: starts the leaf's nats-server (detached) and waits until it is healthy. */
export async function up(options: { dir?: string; json?: boolean }): Promise<void> {
  const manifest = readManifest(leafDir(options.dir));
  const server = findNatsServer();
  const pids = manifest.servers.map((s) => startServer(s, server.path));
  await waitHealthy(manifest.servers);
  const urls = manifest.servers.map((s) => s.clientUrl).join(',');
  if (options.json) return printJson({ domain: manifest.domain, nats: urls, pids });
  process.stdout.write(`Leaf node ${manifest.domain ?? manifest.name} is up at ${urls}.\n`);
}

/** `cim leaf down [--dir]`: stops the leaf's nats-server by its PID. */
export async function down(options: { dir?: string; json?: boolean }): Promise<void> {
  const manifest = readManifest(leafDir(options.dir));
  const stopped = [];
  for (const s of manifest.servers) if (await stopServer(s)) stopped.push(s.name);
  if (options.json) return printJson({ stopped });
  process.stdout.write(
    stopped.length ? `Stopped ${stopped.join(', ')}.\n` : 'Nothing was running.\n',
  );
}

/** `cim leaf attach --domain D [--nats HUB]`: creates the hub's mirrors of that leaf. */
export async function attach(options: {
  domain: string;
  nats?: string;
  replicas?: string;
  json?: boolean;
}): Promise<void> {
  const replicas = Number(options.replicas ?? '3');
  if (![1, 3, 5].includes(replicas))
    throw new InvalidInputError(`--replicas ${options.replicas} is not valid: use 1, 3 or 5.`);
  const report = await withConnection(natsUrl(options.nats), (nc) =>
    attachLeaf(nc, { domain: options.domain, replicas }),
  );
  if (options.json) return printJson(report);
  for (const m of report.mirrors)
    process.stdout.write(
      `${m.name}: mirror of ${m.source} in domain ${report.domain}, ${m.action}.\n`,
    );
}

function lagLine(label: string, s: StreamLag): string {
  const hub = s.hub === null ? 'unknown' : String(s.hub);
  const lag = s.lag === null ? 'unknown' : String(s.lag);
  return `${label}: leaf ${s.leaf}, hub ${hub}, lag ${lag}\n`;
}

/** `cim leaf status [--nats LEAF] [--hub-domain hub] [--hub-nats HUB]`: link state and lag. */
export async function status(options: {
  nats?: string;
  hubDomain?: string;
  hubNats?: string;
  monitor?: string;
  json?: boolean;
}): Promise<void> {
  const base = {
    hubDomain: options.hubDomain ?? 'hub',
    ...(options.monitor === undefined ? {} : { monitorUrl: options.monitor }),
  };
  const report = await withConnection(natsUrl(options.nats), async (leaf) =>
    options.hubNats === undefined
      ? leafStatus(leaf, base)
      : withConnection(options.hubNats, (hub) => leafStatus(leaf, { ...base, hub })),
  );
  if (options.json) return printJson(report);
  process.stdout.write(
    `Leaf ${report.domain}: link to hub domain ${report.hubDomain} is ${report.link}.\n` +
      (report.leafz === undefined
        ? ''
        : `The leaf server holds ${report.leafz.connections} leafnode connection(s)${report.leafz.hubs.length ? ` (${report.leafz.hubs.join(', ')})` : ''}.\n`) +
      lagLine('events', report.events) +
      lagLine('content', report.content) +
      (report.hubProblem === undefined ? '' : `Hub figures missing: ${report.hubProblem}.\n`),
  );
}

/** `cim leaf verify --domain D [--nats HUB]`: the hub checks what the leaf sent. */
export async function verify(options: {
  domain: string;
  nats?: string;
  json?: boolean;
}): Promise<void> {
  const report = await withConnection(natsUrl(options.nats), (nc) =>
    verifyLeafMirrors(nc, options.domain),
  );
  if (!report.ok) process.exitCode = 1;
  if (options.json) return printJson(report);
  const { events, content } = report;
  process.stdout.write(
    `Leaf ${report.domain} on the hub: ${events.events} events in ${events.aggregates} aggregates, ${events.problemCount} chain problems; ` +
      `${content.objects} objects (${content.bytes} bytes) re-hashed, ${content.problems.length} content problems.\n`,
  );
  for (const p of events.problems)
    process.stdout.write(`  event ${p.position} ${p.subject}: ${p.kind}: ${p.detail}\n`);
  for (const p of content.problems) process.stdout.write(`  object ${p.name}: ${p.detail}\n`);
}
